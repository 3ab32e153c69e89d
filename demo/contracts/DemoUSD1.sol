// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DemoUSD1
/// @notice A stand-in for the USD1 stablecoin on a local demo chain: an ERC-20 whose owner
///         (the issuer) mints, and whose holders redeem by burning their own tokens.
contract DemoUSD1 is ERC20, ERC20Burnable, Ownable {
    uint8 private immutable _decimals;

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

    /// @notice The number of decimals given to the constructor.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
