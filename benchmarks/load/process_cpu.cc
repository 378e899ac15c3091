#include "benchmarks/load/process_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace feedrank::load {

std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/stat")
                            : "/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted from
  // the last ')'. utime and stime are fields 14 and 15, in clock ticks.
  const auto name_end = line.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(name_end + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  long long user_ticks = 0;
  long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return std::nullopt;
  return static_cast<double>(user_ticks + system_ticks) /
         static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace feedrank::load
