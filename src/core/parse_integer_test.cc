#include "core/parse_integer.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace sluice::core {
namespace {

TEST(ParseInteger, DigitsWithOptionalSpacesOnly) {
  EXPECT_EQ(ParseInteger<uint64_t>("42"), 42u);
  EXPECT_EQ(ParseInteger<uint64_t>("  7 "), 7u);
  EXPECT_EQ(ParseInteger<int>("-3"), -3);
  EXPECT_EQ(ParseInteger<int64_t>("0"), 0);
  for (const char* bad : {"", " ", "1.5", "12ab", "+1", "0x10", "1 2"})
    EXPECT_FALSE(ParseInteger<int64_t>(bad)) << bad;
  EXPECT_FALSE(ParseInteger<uint64_t>("-1"));
  EXPECT_FALSE(ParseInteger<int>("99999999999"));  // out of range
}

}  // namespace
}  // namespace sluice::core
