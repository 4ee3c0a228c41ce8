// Bad configuration files are refused with "<file>:<line>: message" (YAML
// syntax errors add the column), by check-config and at startup.
#include <regex>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace vigie::itest {
namespace {

struct BadConfig {
  std::string name;
  std::string text;
  std::string location;  // expected "<line>:" or "<line>:<col>:" after "<file>:"
  std::string mentions;  // a word the message must contain
};

struct Binary {
  const char* name;
  const char* path;
  std::string valid;
  std::vector<BadConfig> bad;
};

std::vector<Binary> Binaries() {
  return {
      {"vigied",
       VigiedBinary(),
       "listen:\n  grpc: 127.0.0.1:19470\n  http: 127.0.0.1:19471\nhosts:\n"
       "  stale_after_intervals: 3\n",
       {
           {"unknown_key", "listen:\n  grpc: 127.0.0.1:19470\n  bogus: 3\n", "3:", "bogus"},
           {"bad_duration", "listen:\n  grpc: 127.0.0.1:19470\nhosts:\n  default_interval: 5x\n",
            "4:", "5x"},
           {"syntax", "listen:\n  grpc: 127.0.0.1:19470\n  http: a: b\n", "3:10:", ""},
       }},
      {"vigie-agent",
       AgentBinary(),
       "server: 127.0.0.1:19470\ninterval: 1s\nhost:\n  name: web-1\n",
       {
           {"unknown_key", "server: 127.0.0.1:19470\ninterval: 1s\nbogus: 1\n", "3:", "bogus"},
           {"bad_duration", "server: 127.0.0.1:19470\nhost:\n  name: web-1\ninterval: 10parsecs\n",
            "4:", "10parsecs"},
           {"syntax", "server: 127.0.0.1:19470\ninterval: 1s\nhost: a: b\n", "3:8:", ""},
       }},
  };
}

// Every non-empty line of `err` has the form "<file>:<line>[:<col>]: message".
void ExpectLocatedLines(const std::string& err, const std::string& file) {
  const std::regex form("^" +
                        std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                        R"(:[0-9]+(:[0-9]+)?: .+$)");
  std::istringstream in(err);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    EXPECT_TRUE(std::regex_match(line, form)) << "not <file>:<line>: message: " << line;
  }
  EXPECT_GT(lines, 0) << "nothing on stderr";
}

class ConfigErrorsTest : public ::testing::Test {
 protected:
  TempDir tmp_;
};

TEST_F(ConfigErrorsTest, CheckConfigNamesFileAndLine) {
  for (const Binary& bin : Binaries()) {
    for (const BadConfig& bad : bin.bad) {
      SCOPED_TRACE(std::string(bin.name) + " " + bad.name);
      const std::string file =
          tmp_.WriteFile(std::string(bin.name) + "-" + bad.name + ".yaml", bad.text);
      CommandResult r = RunCommand({bin.path, "check-config", file});
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      EXPECT_EQ(r.err.rfind(file + ":" + bad.location + " ", 0), 0u)
          << "expected " << file << ":" << bad.location << " at the start of:\n"
          << r.err;
      EXPECT_NE(r.err.find(bad.mentions), std::string::npos) << r.err;
      ExpectLocatedLines(r.err, file);
    }
  }
}

TEST_F(ConfigErrorsTest, CheckConfigAcceptsValidFile) {
  for (const Binary& bin : Binaries()) {
    SCOPED_TRACE(bin.name);
    const std::string file = tmp_.WriteFile(std::string(bin.name) + "-valid.yaml", bin.valid);
    CommandResult r = RunCommand({bin.path, "check-config", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
  }
}

TEST_F(ConfigErrorsTest, CheckConfigReportsBadTemplateAndUnknownReceiverTogether) {
  const std::string file = tmp_.WriteFile("vigied-pipeline.yaml",
                                          "listen:\n"                                   // 1
                                          "  http: 127.0.0.1:19471\n"                   // 2
                                          "route:\n"                                    // 3
                                          "  receiver: ops\n"                           // 4
                                          "  routes:\n"                                 // 5
                                          "    - matchers: ['team=\"db\"']\n"           // 6
                                          "      receiver: nobody\n"                    // 7
                                          "receivers:\n"                                // 8
                                          "  - name: ops\n"                             // 9
                                          "    webhook_configs:\n"                      // 10
                                          "      - url: http://127.0.0.1:9/x\n"         // 11
                                          "    slack_configs:\n"                        // 12
                                          "      - api_url: http://127.0.0.1:9/s\n"     // 13
                                          "        title: \"{{#alerts}}unclosed\"\n");  // 14
  CommandResult r = RunCommand({VigiedBinary(), "check-config", file});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(file + ":7: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown receiver \"nobody\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + ":14: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("title"), std::string::npos) << r.err;
  // "ops" has an error but exists: the route naming it is not reported.
  EXPECT_EQ(r.err.find("unknown receiver \"ops\""), std::string::npos) << r.err;
  ExpectLocatedLines(r.err, file);
  EXPECT_EQ(r.out.find("OK"), std::string::npos) << r.out;
}

TEST_F(ConfigErrorsTest, VigiedRefusesToStartOnBadConfig) {
  const Binary vigied = Binaries().front();
  const BadConfig& bad = vigied.bad.front();
  const std::string file = tmp_.WriteFile("vigied-start.yaml", bad.text);
  CommandResult r = RunCommand({vigied.path, "--config", file}, milliseconds(10'000));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(file + ":" + bad.location), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vigie::itest
