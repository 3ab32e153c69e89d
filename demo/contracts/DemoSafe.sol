// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title DemoSafe
/// @notice A minimal Safe-compatible multisig for the demo's cold vault. It answers the view
///         functions a Safe answers (`getOwners()`, `getThreshold()`, `isOwner(address)`,
///         `nonce()`), is set up once after its code is placed (as a Safe proxy is), and moves
///         funds only through `execute(to, data, signatures)`: `threshold` signatures of distinct
///         owners over `transactionHash(to, data, nonce)`, ordered by ascending signer address
///         (as Safe checks them). Anyone may submit a signed transaction (a relayer pays gas).
///         Owner changes are calls of the wallet to itself through `execute` (`swapOwner`,
///         `changeThreshold`), as in Safe.
contract DemoSafe {
    address[] private _owners;
    mapping(address => bool) public isOwner;
    uint256 private _threshold;
    uint256 public nonce;

    event SafeSetup(address[] owners, uint256 threshold);
    event AddedOwner(address indexed owner);
    event RemovedOwner(address indexed owner);
    event ChangedThreshold(uint256 threshold);

    modifier onlySelf() {
        require(msg.sender == address(this), "DemoSafe: only through execute");
        _;
    }

    /// @notice Set the owners and the threshold, once.
    function setup(address[] calldata owners_, uint256 threshold_) external {
        require(_threshold == 0, "DemoSafe: already set up");
        require(threshold_ >= 1 && threshold_ <= owners_.length, "DemoSafe: bad threshold");
        for (uint256 i = 0; i < owners_.length; i++) {
            _addOwner(owners_[i]);
        }
        _threshold = threshold_;
        emit SafeSetup(owners_, threshold_);
    }

    function getOwners() external view returns (address[] memory) {
        return _owners;
    }

    function getThreshold() external view returns (uint256) {
        return _threshold;
    }

    /// @notice The hash the owners sign for the call `to.call(data)` at wallet nonce `nonce_`.
    function transactionHash(address to, bytes calldata data, uint256 nonce_)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), to, keccak256(data), nonce_));
    }

    /// @notice Call `to` with `data` when `threshold` owners signed it (65-byte r,s,v each,
    ///         ordered by ascending signer address); the nonce then moves on.
    function execute(address to, bytes calldata data, bytes calldata signatures)
        external
        returns (bytes memory)
    {
        require(_threshold > 0, "DemoSafe: not set up");
        require(signatures.length == 65 * _threshold, "DemoSafe: wrong number of signatures");
        bytes32 hash = transactionHash(to, data, nonce);
        address last = address(0);
        for (uint256 i = 0; i < _threshold; i++) {
            address signer = ECDSA.recover(hash, signatures[i * 65:(i + 1) * 65]);
            require(signer > last && isOwner[signer], "DemoSafe: invalid signature");
            last = signer;
        }
        nonce += 1;
        (bool ok, bytes memory result) = to.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice Replace owner `oldOwner` by `newOwner` (only through `execute`).
    function swapOwner(address oldOwner, address newOwner) external onlySelf {
        require(isOwner[oldOwner], "DemoSafe: not an owner");
        for (uint256 i = 0; i < _owners.length; i++) {
            if (_owners[i] == oldOwner) {
                isOwner[oldOwner] = false;
                require(newOwner != address(0) && !isOwner[newOwner], "DemoSafe: bad new owner");
                _owners[i] = newOwner;
                isOwner[newOwner] = true;
                emit RemovedOwner(oldOwner);
                emit AddedOwner(newOwner);
                return;
            }
        }
    }

    /// @notice Change the number of signatures needed (only through `execute`).
    function changeThreshold(uint256 threshold_) external onlySelf {
        require(threshold_ >= 1 && threshold_ <= _owners.length, "DemoSafe: bad threshold");
        _threshold = threshold_;
        emit ChangedThreshold(threshold_);
    }

    function _addOwner(address owner) private {
        require(owner != address(0) && !isOwner[owner], "DemoSafe: bad owner");
        _owners.push(owner);
        isOwner[owner] = true;
        emit AddedOwner(owner);
    }
}
