// SPDX-License-Identifier: MIT
// gtest-sample.cc - a Google Test binary for the gtest framework's tests
// (t0074): plain, failing, skipped, disabled, typed and value-
// parameterised tests, and one that crashes (SIGSEGV) when
// GTEST_SAMPLE_CRASH is set, between two that must still get results.
#include <gtest/gtest.h>
#include <csignal>
#include <cstdlib>
#include <unistd.h>

TEST(Math, Adds) { EXPECT_EQ(2, 1 + 1); }
TEST(Math, Fails) { EXPECT_EQ(3, 1 + 1) << "one and one"; }
TEST(Math, DISABLED_Off) { FAIL() << "disabled tests do not run"; }
TEST(Skip, Me) { GTEST_SKIP() << "not today"; }

TEST(Crash, Before) { SUCCEED(); }
TEST(Crash, Segfaults)
{
	if (std::getenv("GTEST_SAMPLE_CRASH"))
		std::raise(SIGSEGV);
}
TEST(Crash, After) { SUCCEED(); }

// Each sandbox has its own TEST_TMPDIR.
TEST(Env, OwnTmpdir)
{
	const char *t = std::getenv("TEST_TMPDIR");
	ASSERT_NE(t, nullptr);
	EXPECT_EQ(0, access(t, W_OK));
}

template <typename T> class Typed : public ::testing::Test {};
using Types = ::testing::Types<int, double>;
TYPED_TEST_SUITE(Typed, Types);
TYPED_TEST(Typed, Zero) { EXPECT_EQ(TypeParam(0), TypeParam(0)); }

class Param : public ::testing::TestWithParam<int> {};
TEST_P(Param, Positive) { EXPECT_GT(GetParam(), 0); }
INSTANTIATE_TEST_SUITE_P(Nums, Param, ::testing::Values(1, 2, 3));
