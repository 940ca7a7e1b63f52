// hnn-server and hnn-client as separate processes on the tiny fixture model (insecure logN = 12):
// the score over TCP equals the HE-friendly twin's, with the server on the CPU and on the CUDA
// backend (emulated where there is no GPU); a closed port, and a malformed HELLO, fail with clear
// messages, and the server keeps serving after a bad client; a client whose keys are rejected
// (a wrong part count, a part that is not a key) gets the reason, not a reset connection.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "hnn/distilbert/he_model.h"
#include "hnn/distilbert/protocol.h"
#include "hnn/distilbert/tokenizer.h"
#include "hnn/net/socket.h"
#include "hnn/rns/cuda.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace proto = hnn::distilbert::protocol;
using namespace hnn::distilbert;

const fs::path kTiny = fs::path(HNN_DISTILBERT_FIXTURE_DIR) / "he-tiny";
const fs::path kData = fs::path(HNN_DISTILBERT_DATA_DIR);

// A server process started by this test, its stdout in a temporary file; killed if still running.
class ServerProcess {
 public:
  explicit ServerProcess(bool once, const std::vector<std::string>& extra_args = {}) {
    log_ = fs::temp_directory_path() / ("hnn-server-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter_++) + ".log");
    std::vector<std::string> args{HNN_SERVER, "--port", "0", "--model", kTiny.string()};
    if (once) args.push_back("--once");
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = posix_spawn(&pid_, HNN_SERVER, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = -1;
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove(log_, ec);
  }

  // The port from the "listening on HOST:PORT" line; 0 when none appears within a minute.
  uint16_t port() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log_);
      std::string line;
      while (std::getline(in, line)) {
        const auto colon = line.rfind(':');
        if (line.rfind("listening on ", 0) == 0 && colon != std::string::npos) {
          return static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  // The exit status once the process ends (within `timeout`), else nullopt.
  std::optional<int> wait_exit(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  fs::path log_;
};

struct ClientRun {
  int status = -1;
  std::string output;  // stdout and stderr
  std::string last_line() const {
    std::istringstream in(output);
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    return last;
  }
};

// Runs a shell command line; its exit status and its output (stdout and stderr).
ClientRun run_command(const std::string& cmd_line) {
  const std::string cmd = cmd_line + " 2>&1";
  ClientRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) r.output += buf;
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return r;
}

ClientRun run_client(uint16_t port, const std::string& sentence) {
  return run_command(std::string("'") + HNN_CLIENT + "' --host 127.0.0.1 --port " + std::to_string(port) +
                     " --params insecure-n12 --flood-sigma 0 --model '" + kTiny.string() + "' '" + sentence + "'");
}

// The server's answer to a HELLO whose payload is garbage: an ERROR message.
void expect_error_for_garbage_hello(uint16_t port) {
  auto conn = hnn::net::Connection::connect("127.0.0.1", port, std::chrono::seconds(10));
  conn.set_timeout(std::chrono::seconds(30));
  const std::vector<uint8_t> garbage{0xff, 0x7f, 0x01};
  conn.send(proto::kHello, garbage);
  const auto m = conn.receive(proto::kMaxSmallPayload);
  ASSERT_EQ(m.type, proto::kError);
  const std::string text = proto::decode_error(m.payload);
  EXPECT_NE(text.find("HELLO"), std::string::npos) << text;
}

// One sentence through a --once server started with `server_args`: the client's score is the
// HE-friendly twin's, and the server exits with 0.
void expect_the_twins_score_over_tcp(const std::vector<std::string>& server_args) {
  const std::string sentence = "unflinchingly bleak and desperate";
  ServerProcess server(/*once=*/true, server_args);
  const uint16_t port = server.port();
  ASSERT_NE(port, 0) << "the server printed no listening line";

  const auto t0 = std::chrono::steady_clock::now();
  const ClientRun client = run_client(port, sentence);
  std::printf("%s(client run %.1f s)\n", client.output.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  ASSERT_EQ(client.status, 0) << client.output;
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(30)), std::optional<int>(0));

  const auto model = HeFriendlyClassifier::load(kTiny);
  const auto tokenizer = BertTokenizer::from_vocab_file(kTiny / "vocab.txt");
  const Encoding enc = tokenizer.encode(sentence, 1u << 20);
  const std::vector<std::int32_t> ids(enc.ids.begin(), enc.ids.end());
  const double twin = model.positive_score(model.logits(ids, std::vector<std::int32_t>(ids.size(), 1)));

  const std::string last = client.last_line();
  ASSERT_EQ(last.rfind("label=", 0), 0u) << last;
  const auto at = last.find(" score=");
  ASSERT_NE(at, std::string::npos) << last;
  const double score = std::stod(last.substr(at + 7));
  EXPECT_NEAR(score, twin, 1e-3) << last;
  const auto& labels = model.model().config().labels;
  if (labels.size() == 2) {
    EXPECT_EQ(last.substr(6, at - 6), labels[twin > 0.5 ? 1 : 0]);
  }
}

TEST(ClientServer, EncryptedScoreOverTcpEqualsTheTwin) { expect_the_twins_score_over_tcp({"--device", "cpu"}); }

// The server on the CUDA backend (the emulated device: the CUDA code on the host), where each key
// part moves to the device as it arrives.
TEST(ClientServer, ServerOnTheCudaBackendGivesTheTwinsScore) {
  if (!hnn::cuda::built_with_cuda()) GTEST_SKIP() << "this build has no CUDA backend";
  expect_the_twins_score_over_tcp({"--device", "cuda-emulated"});
}

TEST(ClientServer, ClientToAClosedPortFailsClearly) {
  uint16_t port = 0;
  {
    hnn::net::Listener probe("127.0.0.1", 0);
    port = probe.port();
  }  // closed again: nothing listens there now
  const ClientRun client = run_client(port, "a fine film");
  EXPECT_EQ(client.status, 1) << client.output;
  EXPECT_EQ(client.last_line().rfind("hnn-client: ", 0), 0u) << client.output;
}

// A connection to the server at `port` that has sent HELLO (3 tokens, insecure-n12) and received
// the PLAN; throws (a test failure) if the server answers anything else.
hnn::net::Connection connect_through_plan(uint16_t port) {
  auto conn = hnn::net::Connection::connect("127.0.0.1", port, std::chrono::seconds(10));
  conn.set_timeout(std::chrono::seconds(60));
  conn.send(proto::kHello, proto::encode(proto::Hello{"insecure-n12", 3}));
  const auto plan = conn.receive(proto::kMaxSmallPayload);
  if (plan.type != proto::kPlan) throw std::runtime_error("expected PLAN, got " + proto::type_name(plan.type));
  return conn;
}

// A client whose keys the server cannot read keeps sending (its INPUT follows the keys at once):
// the server's ERROR must still reach it, not a reset connection. The server reads what is still
// in flight before it closes (closing with unread data sends a reset, which discards the ERROR).
TEST(ClientServer, ClientWhoseKeysAreRejectedReceivesTheServersReason) {
  ServerProcess server(/*once=*/false);
  const uint16_t port = server.port();
  ASSERT_NE(port, 0);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto conn = connect_through_plan(port);
    // Fewer key parts than the plan needs: refused on the KEYS message, while the parts and the
    // INPUT are still coming.
    conn.send(proto::kKeys, proto::encode(proto::KeysHeader{1}));
    conn.send(proto::kKey, std::vector<uint8_t>(1 << 20, 0x5a));
    const std::vector<proto::Bytes> blobs(2, proto::Bytes(4 << 20, 0x33));
    conn.send(proto::kInput, proto::encode_blobs(blobs));
    const auto m = conn.receive(proto::kMaxSmallPayload);
    ASSERT_EQ(m.type, proto::kError) << proto::type_name(m.type);
    const std::string text = proto::decode_error(m.payload);
    EXPECT_NE(text.find("the client announces 1 key parts; this plan needs"), std::string::npos) << text;
  }
  EXPECT_TRUE(server.running());
}

// The right count of parts, then garbage for the first: the server reads the KEY message as a
// serialized object and says why it is not one.
TEST(ClientServer, AKeyPartThatIsNotAKeyIsRefusedWithTheReason) {
  ServerProcess server(/*once=*/false);
  const uint16_t port = server.port();
  ASSERT_NE(port, 0);
  auto conn = connect_through_plan(port);
  // The count the server's plan asks for: 1 relinearization + its Galois parts + 1 encapsulation;
  // an announced count it refuses names it ("this plan needs N").
  conn.send(proto::kKeys, proto::encode(proto::KeysHeader{1}));
  const auto refused = conn.receive(proto::kMaxSmallPayload);
  ASSERT_EQ(refused.type, proto::kError);
  const std::string why = proto::decode_error(refused.payload);
  const auto at = why.find("this plan needs ");
  ASSERT_NE(at, std::string::npos) << why;
  const uint64_t parts = std::stoull(why.substr(at + 16));
  ASSERT_GT(parts, 2u);
  conn.close();  // else the server waits for this one to finish sending

  auto again = connect_through_plan(port);
  again.send(proto::kKeys, proto::encode(proto::KeysHeader{parts}));
  again.send(proto::kKey, std::vector<uint8_t>(1 << 20, 0x5a));
  const auto m = again.receive(proto::kMaxSmallPayload);
  ASSERT_EQ(m.type, proto::kError) << proto::type_name(m.type);
  const std::string text = proto::decode_error(m.payload);
  EXPECT_NE(text.find("key part 1 of " + std::to_string(parts) + ": deserialization failed: not an hnn object"),
            std::string::npos)
      << text;
  EXPECT_TRUE(server.running());
}

TEST(ClientServer, ServerAnswersAMalformedHelloWithAnErrorAndKeepsServing) {
  ServerProcess server(/*once=*/false);
  const uint16_t port = server.port();
  ASSERT_NE(port, 0);
  expect_error_for_garbage_hello(port);
  expect_error_for_garbage_hello(port);
  EXPECT_TRUE(server.running());
}

TEST(ClientServer, OnceServerExitsWithOneAfterAMalformedHello) {
  ServerProcess server(/*once=*/true);
  const uint16_t port = server.port();
  ASSERT_NE(port, 0);
  expect_error_for_garbage_hello(port);
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(30)), std::optional<int>(1));
}

}  // namespace

// The one-process command's bad arguments: each is refused with exit status 2 or 1 and its reason,
// before any key is made.
TEST(DistilBertCli, BadArgumentsAreRefusedWithTheReason) {
  const std::string tiny =
      std::string("'") + HNN_DISTILBERT + "' --model '" + kTiny.string() + "' --data '" + kData.string() + "' ";
  const auto expect_refused = [&](const std::string& args, const std::string& reason) {
    const ClientRun r = run_command(tiny + (args.starts_with("--params") ? "" : "--params insecure-n12 ") + args);
    EXPECT_NE(r.status, 0) << args;
    EXPECT_NE(r.output.find(reason), std::string::npos) << args << " printed:\n" << r.output;
    EXPECT_EQ(r.output.find("[client] keys"), std::string::npos) << args << ": keys were made";
  };
  expect_refused("''", "the sentence is empty");
  expect_refused("'  '", "the sentence is empty");
  expect_refused("", "give either a sentence or --sst2");
  expect_refused("--sst2 /nonexistent.tsv", "File does not exist: /nonexistent.tsv");
  expect_refused("--sst2 '" + (kData / "sst2" / "dev.tsv").string() + "'", "--sst2 needs --results");
  expect_refused("--params bogus 'a fine film'", "unknown parameter set 'bogus'");
  expect_refused("--device gpu7 'a fine film'", "unknown device 'gpu7'");
}
