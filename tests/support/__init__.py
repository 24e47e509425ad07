"""What the test suites share: the test account, tap and connector runners, stream lists."""
