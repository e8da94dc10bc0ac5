// Reference harness for bench/crs-vs-modsecurity.ts: drives Debian's libmodsecurity3 (ModSecurity
// v3) over a request corpus, single-threaded, request phases only (connection, URI, headers,
// body), and prints per request the rule ids ModSecurity logged, then the processing time.
//
// usage: modsec-harness RULES.conf CORPUS.bin ITERATIONS
// corpus: per request "method\nuri\nversion\nN\n" + N x "name\nvalue\n" + "bodylen\n" + body bytes.
// output: one line per request of the first iteration: "<index> <id> <id> ..."; then
//         "elapsed_ns <wall ns> cpu_ns <process CPU ns> requests <n>" covering all iterations.
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace modsecurity;

struct Req {
  std::string method, uri, version, body;
  std::vector<std::pair<std::string, std::string>> headers;
};

static bool readLine(std::istream& in, std::string& out) {
  if (!std::getline(in, out)) return false;
  return true;
}

static std::vector<Req> loadCorpus(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) { std::perror(path); std::exit(2); }
  std::vector<Req> out;
  std::string line;
  while (readLine(in, line)) {
    Req r;
    r.method = line;
    readLine(in, r.uri);
    readLine(in, r.version);
    readLine(in, line);
    int n = std::atoi(line.c_str());
    for (int i = 0; i < n; i++) {
      std::string k, v;
      readLine(in, k);
      readLine(in, v);
      r.headers.emplace_back(k, v);
    }
    readLine(in, line);
    size_t len = std::strtoul(line.c_str(), nullptr, 10);
    r.body.resize(len);
    if (len) in.read(&r.body[0], len);
    in.get();  // trailing newline
    out.push_back(std::move(r));
  }
  return out;
}

struct LogState {
  std::vector<std::string>* ids;
};

// ModSecurity calls this with its log line for each logged rule match.
static void logCb(void* data, const void* msg) {
  if (!data || !msg) return;
  auto* st = static_cast<LogState*>(data);
  if (!st->ids) return;
  const char* s = static_cast<const char*>(msg);
  const char* p = std::strstr(s, "[id \"");
  if (!p) return;
  p += 5;
  const char* e = std::strchr(p, '"');
  if (e) st->ids->emplace_back(p, e - p);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s RULES.conf CORPUS.bin ITERATIONS\n", argv[0]);
    return 2;
  }
  modsecurity::ModSecurity* ms = msc_init();
  msc_set_connector_info(ms, "proctap-bench-harness");
  msc_set_log_cb(ms, logCb);
  modsecurity::RulesSet* rules = msc_create_rules_set();
  const char* err = nullptr;
  if (msc_rules_add_file(rules, argv[1], &err) < 0) {
    std::fprintf(stderr, "rules: %s\n", err ? err : "error");
    return 1;
  }
  std::vector<Req> corpus = loadCorpus(argv[2]);
  int iterations = std::atoi(argv[3]);
  std::vector<std::vector<std::string>> ids(corpus.size());
  LogState st{nullptr};
  timespec c0{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  auto t0 = std::chrono::steady_clock::now();
  for (int it = 0; it < iterations; it++) {
    for (size_t i = 0; i < corpus.size(); i++) {
      const Req& r = corpus[i];
      st.ids = it == 0 ? &ids[i] : nullptr;
      modsecurity::Transaction* t = msc_new_transaction(ms, rules, &st);
      msc_process_connection(t, "192.0.2.10", 40000, "192.0.2.1", 80);
      std::string ver = r.version.rfind("HTTP/", 0) == 0 ? r.version.substr(5) : r.version;
      msc_process_uri(t, r.uri.c_str(), r.method.c_str(), ver.c_str());
      for (auto& h : r.headers) {
        msc_add_n_request_header(t, reinterpret_cast<const unsigned char*>(h.first.data()), h.first.size(),
                                 reinterpret_cast<const unsigned char*>(h.second.data()), h.second.size());
      }
      msc_process_request_headers(t);
      if (!r.body.empty()) msc_append_request_body(t, reinterpret_cast<const unsigned char*>(r.body.data()), r.body.size());
      msc_process_request_body(t);
      msc_transaction_cleanup(t);
    }
  }
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  timespec c1{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  long long cpu_ns = (c1.tv_sec - c0.tv_sec) * 1000000000LL + (c1.tv_nsec - c0.tv_nsec);
  std::ostringstream out;
  for (size_t i = 0; i < corpus.size(); i++) {
    out << i;
    for (auto& id : ids[i]) out << ' ' << id;
    out << '\n';
  }
  out << "elapsed_ns " << ns << " cpu_ns " << cpu_ns << " requests " << corpus.size() * iterations << '\n';
  std::cout << out.str();
  msc_rules_cleanup(rules);
  msc_cleanup(ms);
  return 0;
}
