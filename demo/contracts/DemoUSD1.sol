// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DemoUSD1
/// @notice A stand-in for the USD1 stablecoin on a local demo chain: an ERC-20 whose owner
///         (the issuer) mints, and whose holders redeem by burning their own tokens. Like
///         USDC, the issuer can freeze an address (`blacklist`): a frozen address can neither
///         send nor receive until it is unfrozen (`unBlacklist`).
contract DemoUSD1 is ERC20, ERC20Burnable, Ownable {
    uint8 private immutable _decimals;
    mapping(address => bool) private _blacklisted;

    /// @notice `account` was frozen by the issuer.
    event Blacklisted(address indexed account);
    /// @notice `account` was unfrozen by the issuer.
    event UnBlacklisted(address indexed account);

    /// @notice A transfer from or to a frozen address.
    error AccountBlacklisted(address account);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_)
        ERC20(name_, symbol_)
        Ownable(owner_)
    {
        _decimals = decimals_;
    }

    /// @notice Issue `amount` base units to `to` (emits Transfer from the zero address).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Freeze `account`: it can neither send nor receive (emits Blacklisted).
    function blacklist(address account) external onlyOwner {
        _blacklisted[account] = true;
        emit Blacklisted(account);
    }

    /// @notice Unfreeze `account` (emits UnBlacklisted).
    function unBlacklist(address account) external onlyOwner {
        _blacklisted[account] = false;
        emit UnBlacklisted(account);
    }

    /// @notice Whether `account` is frozen.
    function isBlacklisted(address account) external view returns (bool) {
        return _blacklisted[account];
    }

    /// @dev Every transfer, mint and burn passes here: none may touch a frozen address.
    function _update(address from, address to, uint256 value) internal override {
        if (_blacklisted[from]) revert AccountBlacklisted(from);
        if (_blacklisted[to]) revert AccountBlacklisted(to);
        super._update(from, to, value);
    }

    /// @notice The number of decimals given to the constructor.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
