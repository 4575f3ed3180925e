// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
contract Probe is ReentrancyGuard { function h(bytes calldata b) external pure returns (bytes32) { return sha256(b); } }
