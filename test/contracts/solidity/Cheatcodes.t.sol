// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";

contract Probe {
    error ProbeFailed(uint256 code);
    error ProbeBare();

    function failBare() external pure {
        revert ProbeBare();
    }

    function sender() external view returns (address) {
        return msg.sender;
    }

    function failWith(uint256 code) external pure {
        revert ProbeFailed(code);
    }

    function failPlain() external pure {
        revert();
    }
}

/// @notice Every cheatcode the suite relies on must take effect: each test here fails if its
///         cheatcode were a silent no-op.
contract CheatcodesTest is TestBase {
    Probe internal probe;

    function setUp() public {
        probe = new Probe();
    }

    function test_warp_setsTimestamp_succeeds() public {
        uint256 target = block.timestamp + 12_345;
        vm.warp(target);
        require(block.timestamp == target, "warp was a no-op");
    }

    function test_deal_setsBalance_succeeds() public {
        address who = address(0xBEEF01);
        require(who.balance == 0, "fresh account has a balance");
        vm.deal(who, 7 ether);
        require(who.balance == 7 ether, "deal was a no-op");
    }

    function test_prank_setsSenderOnce_succeeds() public {
        address who = address(0xBEEF02);
        vm.prank(who);
        require(probe.sender() == who, "prank was a no-op");
        require(probe.sender() == address(this), "prank outlived one call");
    }

    function test_startPrank_setsSenderUntilStopped_succeeds() public {
        address who = address(0xBEEF03);
        vm.startPrank(who);
        require(probe.sender() == who, "startPrank was a no-op (1)");
        require(probe.sender() == who, "startPrank was a no-op (2)");
        vm.stopPrank();
        require(probe.sender() == address(this), "stopPrank was a no-op");
    }

    function test_expectRevert_matchesFullData_succeeds() public {
        vm.expectRevert(abi.encodeWithSelector(Probe.ProbeFailed.selector, 7));
        probe.failWith(7);
    }

    /// The bytes4 form matches an error without arguments exactly ...
    function test_expectRevert_matchesBareSelector_succeeds() public {
        vm.expectRevert(Probe.ProbeBare.selector);
        probe.failBare();
    }

    /// ... and, unlike older Foundry, does NOT match an error with arguments by its selector.
    function test_expectRevert_bytes4IsExact_reverts() public {
        try this.expectSelectorOfErrorWithArgs() {
            revert("bytes4 expectRevert matched an error with arguments");
        } catch {}
    }

    function expectSelectorOfErrorWithArgs() external {
        vm.expectRevert(Probe.ProbeFailed.selector);
        probe.failWith(99);
    }

    function test_expectPartialRevert_matchesSelector_succeeds() public {
        vm.expectPartialRevert(Probe.ProbeFailed.selector);
        probe.failWith(99);
    }

    function test_expectPartialRevert_otherSelector_reverts() public {
        try this.expectPartialWrongSelector() {
            revert("expectPartialRevert matched another selector");
        } catch {}
    }

    function expectPartialWrongSelector() external {
        vm.expectPartialRevert(Probe.ProbeBare.selector);
        probe.failWith(99);
    }

    function test_expectRevert_any_succeeds() public {
        vm.expectRevert();
        probe.failPlain();
    }

    /// The runner must report these as failures; they are wrapped in a try so that this suite
    /// checks it: an expectRevert whose call succeeds, or reverts with other data, must fail.
    function test_expectRevert_wrongData_reverts() public {
        try this.expectWrongData() {
            revert("expectRevert accepted the wrong revert data");
        } catch {}
    }

    function test_expectRevert_noRevert_reverts() public {
        try this.expectButSucceed() {
            revert("expectRevert accepted a call that did not revert");
        } catch {}
    }

    function expectWrongData() external {
        vm.expectRevert(abi.encodeWithSelector(Probe.ProbeFailed.selector, 8));
        probe.failWith(7);
    }

    function expectButSucceed() external {
        vm.expectRevert();
        probe.sender();
    }

    function test_assertEq_failsOnMismatch_reverts() public view {
        try this.assertMismatch() {
            revert("vm.assertEq accepted unequal values");
        } catch {}
    }

    function assertMismatch() external pure {
        vm.assertEq(uint256(1), uint256(2), "mismatch");
    }

    function test_assume_rejectsRun_reverts() public view {
        try this.assumeFalse() {
            revert("vm.assume(false) did not stop the call");
        } catch {}
    }

    function assumeFalse() external pure {
        vm.assume(false);
    }

    /// With `assume` filtering out every odd value, no odd value may ever reach the body.
    function testFuzz_assume_filtersInputs_succeeds(uint256 x) public pure {
        vm.assume(x % 2 == 0);
        require(x % 2 == 0, "assume let an odd value through");
    }

    function test_label_accepted_succeeds() public {
        vm.label(address(probe), "probe");
        require(vm.addr(1) == 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf, "vm.addr(1) wrong");
    }
}
