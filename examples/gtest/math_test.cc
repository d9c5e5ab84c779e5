// A small Google Test suite for offload's gtest framework: plain,
// fixture, typed and value-parameterised tests, a disabled one, and one
// that fails on purpose (set EXAMPLE_FAIL=1).
#include <cstdlib>
#include <string>
#include <gtest/gtest.h>

static int add(int a, int b) { return a + b; }

TEST(Math, Adds) { EXPECT_EQ(add(2, 2), 4); }

TEST(Math, FailsOnRequest)
{
	EXPECT_EQ(std::getenv("EXAMPLE_FAIL"), nullptr) << "EXAMPLE_FAIL is set";
}

TEST(Math, DISABLED_NotYet) { FAIL() << "disabled tests do not run"; }

class Words : public ::testing::Test {
protected:
	std::string w = "offload";
};

TEST_F(Words, Length) { EXPECT_EQ(w.size(), 7u); }

template <typename T> class Zero : public ::testing::Test {};
using Types = ::testing::Types<int, long, double>;
TYPED_TEST_SUITE(Zero, Types);
TYPED_TEST(Zero, IsFalse) { EXPECT_FALSE(TypeParam(0)); }

class Squares : public ::testing::TestWithParam<int> {};
TEST_P(Squares, NonNegative) { EXPECT_GE(GetParam() * GetParam(), 0); }
INSTANTIATE_TEST_SUITE_P(Some, Squares, ::testing::Values(-2, 0, 3));
