// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title LookAlikeNFT
/// @notice A minimal ERC-721 for the demo. Its Transfer event has the same topic0 as the
///         ERC-20 Transfer but four topics (the token id is indexed) and no data: a log a
///         Transfer decoder must not mistake for a token movement.
contract LookAlikeNFT is ERC721, Ownable {
    constructor(string memory name_, string memory symbol_, address owner_)
        ERC721(name_, symbol_)
        Ownable(owner_)
    {}

    /// @notice Mint token `tokenId` to `to`.
    function mint(address to, uint256 tokenId) external onlyOwner {
        _mint(to, tokenId);
    }
}
