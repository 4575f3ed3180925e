// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IJobMarket} from "../interfaces/IJobMarket.sol";

/// @notice TESTS ONLY: a requester/prover/challenger contract that re-enters the market when paid.
contract ReentrantReceiver {
    IJobMarket public immutable market;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public lastRevertData;

    constructor(IJobMarket market_) {
        market = market_;
    }

    function submit(bytes32 modelId, bytes[] calldata inputs, uint40 deadline) external payable returns (uint256) {
        return market.submitJob{value: msg.value}(modelId, inputs, address(0), deadline);
    }

    function claim(uint256 jobId) external payable {
        market.claimJob{value: msg.value}(jobId);
    }

    function post(uint256 jobId, bytes[] calldata outputs) external {
        market.postResult(jobId, outputs);
    }

    function challenge(uint256 jobId) external payable returns (uint256) {
        return market.challenge{value: msg.value}(jobId);
    }

    function withdraw() external returns (uint256) {
        return market.withdraw(payable(address(this)));
    }

    receive() external payable {
        reentryAttempts += 1;
        // Try to withdraw again while the first withdrawal is still running.
        try market.withdraw(payable(address(this))) {
            reentrySucceeded = true;
        } catch (bytes memory reason) {
            lastRevertData = reason;
        }
    }
}

/// @notice TESTS ONLY: force-sends ETH with selfdestruct (EIP-6780: still moves the balance).
contract ForceSender {
    constructor(address payable target) payable {
        selfdestruct(target);
    }
}

/// @notice TESTS ONLY: refuses every payment.
contract RejectingReceiver {
    IJobMarket public immutable market;

    constructor(IJobMarket market_) {
        market = market_;
    }

    function submit(bytes32 modelId, bytes[] calldata inputs, uint40 deadline) external payable returns (uint256) {
        return market.submitJob{value: msg.value}(modelId, inputs, address(0), deadline);
    }

    function withdrawTo(address payable to) external returns (uint256) {
        return market.withdraw(to);
    }

    error RejectingReceiverRefused();

    receive() external payable {
        revert RejectingReceiverRefused();
    }
}
