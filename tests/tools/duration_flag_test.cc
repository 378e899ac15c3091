// feedrank-server's durations (--train-every): a whole number and one unit, or a bare 0.
#include "tools/server/duration_flag.h"

#include <gmock/gmock.h>

namespace feedrank::server {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::chrono::milliseconds parsed(std::string_view text) {
  std::chrono::milliseconds out{-1};
  std::string error;
  EXPECT_TRUE(parse_duration(text, out, error)) << text << ": " << error;
  return out;
}

std::string error_of(std::string_view text) {
  std::chrono::milliseconds out{-1};
  std::string error;
  EXPECT_FALSE(parse_duration(text, out, error)) << text;
  EXPECT_EQ(out, -1ms) << text << ": left unchanged on failure";
  return error;
}

TEST(DurationFlag, ReadsEachUnit) {
  EXPECT_EQ(parsed("250ms"), 250ms);
  EXPECT_EQ(parsed("90s"), 90s);
  EXPECT_EQ(parsed("30m"), 30min);
  EXPECT_EQ(parsed("6h"), 6h);
  EXPECT_EQ(parsed("1d"), 24h);
}

TEST(DurationFlag, ZeroNeedsNoUnit) {
  EXPECT_EQ(parsed("0"), 0ms);
  EXPECT_EQ(parsed("0h"), 0ms);
}

TEST(DurationFlag, RefusesWhatIsNotANumberAndAUnit) {
  EXPECT_THAT(error_of("6"), HasSubstr("needs a unit"));
  EXPECT_THAT(error_of("6x"), HasSubstr("unknown unit \"x\""));
  EXPECT_THAT(error_of("6 h"), HasSubstr("unknown unit \" h\""));
  EXPECT_THAT(error_of("h"), HasSubstr("not a duration"));
  EXPECT_THAT(error_of("-5m"), HasSubstr("not a duration"));
  EXPECT_THAT(error_of(""), HasSubstr("not a duration"));
  EXPECT_THAT(error_of("1.5h"), HasSubstr("unknown unit \".5h\""));
}

TEST(DurationFlag, RefusesWhatOverflows) {
  EXPECT_THAT(error_of("99999999999999999999s"), HasSubstr("too large"));
  EXPECT_THAT(error_of("9999999999999999d"), HasSubstr("too large"));
  EXPECT_THAT(error_of("367d"), HasSubstr("too large (at most 366d)"));  // a wait's deadline
  EXPECT_THAT(error_of("200000000d"), HasSubstr("too large"));
}

}  // namespace
}  // namespace feedrank::server
