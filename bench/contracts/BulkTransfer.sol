// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title BulkTransfer
/// @notice Benchmark helper: emits many ERC-20 `Transfer` events per transaction so a local
///         chain holds hundreds of thousands of transfers within seconds. Keeps no balances.
contract BulkTransfer {
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emit `count` transfers from `from` to consecutive addresses starting at
    ///         `firstTo`, with values `baseValue`, `baseValue + 1`, ...
    function blast(address from, uint160 firstTo, uint256 count, uint256 baseValue) external {
        for (uint256 i = 0; i < count; i++) {
            emit Transfer(from, address(firstTo + uint160(i)), baseValue + i);
        }
    }
}
