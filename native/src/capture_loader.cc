// See capture_loader.h. The only translation unit that includes the generated skeleton.
#include "capture_loader.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

#include "sensor.skel.h"
#include "tls_attach.h"

namespace proctap {
namespace {

// libbpf's log goes to a buffer so a failed load can report the verifier's last words.
std::mutex g_log_mu;
std::string g_log;

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, args);
  if (getenv("PROCTAP_BPF_DEBUG")) fputs(buf, stderr);
  if (level == LIBBPF_DEBUG) return 0;
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_log += buf;
  if (g_log.size() > 16384) g_log.erase(0, g_log.size() - 16384);
  return 0;
}

std::string TakeLog() {
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::string out;
  out.swap(g_log);
  // The tail is what matters (the verifier's reason).
  if (out.size() > 2000) out = "..." + out.substr(out.size() - 2000);
  return out;
}

bool StartsWith(const char* s, const std::string& prefix) { return strncmp(s, prefix.c_str(), prefix.size()) == 0; }

std::string Errno(const char* what, int e) { return std::string(what) + ": " + strerror(e < 0 ? -e : e); }

template <typename K>
bool SyncMap(int fd, const std::set<K>& inc, const std::set<K>& exc, std::string* err) {
  // Insert the new entries first, then delete stale ones, so an entry that stays never blinks out.
  for (const K& k : inc) {
    uint8_t v = PT_FILTER_INCLUDE;
    if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) return *err = Errno("filter map update", errno), false;
  }
  for (const K& k : exc) {
    uint8_t v = PT_FILTER_EXCLUDE;
    if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) return *err = Errno("filter map update", errno), false;
  }
  std::vector<K> stale;
  K key{}, next{};
  void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (!inc.count(next) && !exc.count(next)) stale.push_back(next);
    key = next;
    prev = &key;
  }
  for (const K& k : stale) bpf_map_delete_elem(fd, &k);
  return true;
}

struct CommKey {
  pt_comm_key k{};
  bool operator<(const CommKey& o) const { return memcmp(k.comm, o.k.comm, sizeof(k.comm)) < 0; }
};

}  // namespace

CaptureLoader::~CaptureLoader() { Close(); }

bool CaptureLoader::KernelHasSockTracepoints() {
  // Parsing vmlinux BTF takes milliseconds and the answer cannot change while we run.
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    struct btf* btf = btf__load_vmlinux_btf();
    if (!btf) return;
    ok = btf__find_by_name_kind(btf, "btf_trace_sock_send_length", BTF_KIND_TYPEDEF) > 0 &&
         btf__find_by_name_kind(btf, "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF) > 0;
    btf__free(btf);
  });
  return ok;
}

bool CaptureLoader::Open(const CaptureLoaderOptions& opts, std::string* err) {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(LibbpfPrint); });
  TakeLog();

  if (opts.path == "auto") {
    path_ = KernelHasSockTracepoints() ? "sock-tracepoints" : "syscalls";
  } else if (opts.path == "sock-tracepoints" || opts.path == "syscalls") {
    path_ = opts.path;
  } else {
    *err = "unknown capture path '" + opts.path + "' (auto, sock-tracepoints, syscalls)";
    return false;
  }
  if (opts.cap_bytes > PT_MAX_CAPTURE) {
    *err = "payload cap " + std::to_string(opts.cap_bytes) + " exceeds " + std::to_string(PT_MAX_CAPTURE);
    return false;
  }

  skel_ = sensor_bpf__open();
  if (!skel_) return *err = Errno("opening the BPF skeleton", errno), false;

  int e = bpf_map__set_max_entries(skel_->maps.events, opts.ring_bytes);
  if (!e) e = bpf_map__set_max_entries(skel_->maps.scratch, libbpf_num_possible_cpus());
  if (e) {
    *err = Errno("sizing maps", e);
    Close();
    return false;
  }

  const std::string own = path_ == "sock-tracepoints" ? "pt_sock_" : "pt_sys_";
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    const char* name = bpf_program__name(prog);
    bool load = strcmp(name, "pt_state") == 0 || StartsWith(name, own);
    for (const auto& f : opts.extra_families) load = load || StartsWith(name, f);
    bpf_program__set_autoload(prog, load);
  }

  {
    // The verifier gives up with EAGAIN when a signal is pending for this thread (a profiler's
    // SIGPROF, SIGCHLD of a child): hold signals back for the duration of the load.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    e = sensor_bpf__load(skel_);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  if (e) {
    *err = Errno("loading the BPF programs", e) + "\n" + TakeLog();
    Close();
    return false;
  }

  if (opts.bpf_stats) {
    stats_fd_ = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (stats_fd_ < 0) {
      *err = Errno("enabling BPF statistics", errno);
      Close();
      return false;
    }
  }

  config_ = {};
  config_.self_pid = static_cast<uint32_t>(getpid());
  config_.cap_bytes = opts.cap_bytes;
  // A ring smaller than the wakeup threshold would never wake the reader: cap it at a quarter.
  config_.wakeup_bytes = std::min(opts.wakeup_bytes, std::max(opts.ring_bytes / 4, 1u));
  // Include mode with no entries: nothing passes until the first SetFilter (containment: no
  // other process's payload in the window between attach and the caller's filter).
  config_.filter_bits = PT_FILTER_HAS_INCLUDE;
  config_.tls_enabled = opts.tls_enabled ? 1 : 0;
  if (!WriteConfig(err)) {
    Close();
    return false;
  }

  bpf_object__for_each_program(prog, skel_->obj) {
    const char* name = bpf_program__name(prog);
    if (!bpf_program__autoload(prog)) continue;
    if (!(strcmp(name, "pt_state") == 0 || StartsWith(name, own))) continue;  // extra families attach themselves
    struct bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      *err = Errno((std::string("attaching ") + name).c_str(), errno) + "\n" + TakeLog();
      Close();
      return false;
    }
    links_.push_back(link);
    link_names_.push_back(name);
  }
  TlsObjectOpened(skel_->obj);  // pt_tls_* programs are attached per target by tls_attach.cc
  return true;
}

bool CaptureLoader::WriteConfig(std::string* err) {
  uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.capture_config), &zero, &config_, BPF_ANY))
    return *err = Errno("writing capture_config", errno), false;
  return true;
}

bool CaptureLoader::SetCapBytes(uint32_t cap, std::string* err) {
  if (!skel_) return *err = "capture is closed", false;
  if (cap > PT_MAX_CAPTURE) return *err = "payload cap exceeds " + std::to_string(PT_MAX_CAPTURE), false;
  config_.cap_bytes = cap;
  return WriteConfig(err);
}

bool CaptureLoader::SetFilter(const CaptureFilterSet& inc, const CaptureFilterSet& exc, std::string* err) {
  if (!skel_) return *err = "capture is closed", false;
  std::set<uint32_t> ip(inc.pids.begin(), inc.pids.end()), ep(exc.pids.begin(), exc.pids.end());
  std::set<uint64_t> ic(inc.cgroups.begin(), inc.cgroups.end()), ec(exc.cgroups.begin(), exc.cgroups.end());
  std::set<uint32_t> in(inc.netns.begin(), inc.netns.end()), en(exc.netns.begin(), exc.netns.end());
  std::set<CommKey> im, em;
  auto comm = [](const std::string& s) {
    CommKey k;
    // The kernel keeps 15 characters of a comm.
    memcpy(k.k.comm, s.data(), std::min<size_t>(s.size(), sizeof(k.k.comm) - 1));
    return k;
  };
  for (const auto& s : inc.comms) im.insert(comm(s));
  for (const auto& s : exc.comms) em.insert(comm(s));
  for (uint32_t p : ep) ip.erase(p);  // exclude wins
  for (uint64_t c : ec) ic.erase(c);
  for (uint32_t n : en) in.erase(n);
  for (const auto& c : em) im.erase(c);

  uint32_t bits = 0;
  if (!ip.empty() || !ic.empty() || !in.empty() || !im.empty()) bits |= PT_FILTER_HAS_INCLUDE;
  if (!ip.empty() || !ep.empty()) bits |= PT_FILTER_PIDS;
  if (!im.empty() || !em.empty()) bits |= PT_FILTER_COMMS;
  if (!ic.empty() || !ec.empty()) bits |= PT_FILTER_CGROUPS;
  if (!in.empty() || !en.empty()) bits |= PT_FILTER_NETNS;

  // Entries first, then the bits that make the kernel look at them (stale entries go last).
  if (!SyncMap(bpf_map__fd(skel_->maps.filter_pids), ip, ep, err)) return false;
  if (!SyncMap(bpf_map__fd(skel_->maps.filter_cgroups), ic, ec, err)) return false;
  if (!SyncMap(bpf_map__fd(skel_->maps.filter_netns), in, en, err)) return false;
  {
    // pt_comm_key has no ordering of its own: sync through the wrapper.
    int fd = bpf_map__fd(skel_->maps.filter_comms);
    for (const auto& k : im) {
      uint8_t v = PT_FILTER_INCLUDE;
      if (bpf_map_update_elem(fd, &k.k, &v, BPF_ANY)) return *err = Errno("filter_comms update", errno), false;
    }
    for (const auto& k : em) {
      uint8_t v = PT_FILTER_EXCLUDE;
      if (bpf_map_update_elem(fd, &k.k, &v, BPF_ANY)) return *err = Errno("filter_comms update", errno), false;
    }
    std::vector<CommKey> stale;
    CommKey key, next;
    void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next.k) == 0) {
      if (!im.count(next) && !em.count(next)) stale.push_back(next);
      key = next;
      prev = &key.k;
    }
    config_.filter_bits = bits;
    if (!WriteConfig(err)) return false;
    for (const auto& k : stale) bpf_map_delete_elem(fd, &k.k);
  }
  return true;
}

bool CaptureLoader::ReadCounters(pt_counters* out) const {
  memset(out, 0, sizeof(*out));
  if (!skel_) return false;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return false;
  std::vector<pt_counters> per(ncpu);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &zero, per.data())) return false;
  const size_t n = sizeof(pt_counters) / sizeof(uint64_t);
  for (const auto& c : per) {
    const uint64_t* src = reinterpret_cast<const uint64_t*>(&c);
    uint64_t* dst = reinterpret_cast<uint64_t*>(out);
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
  }
  return true;
}

std::vector<CaptureProgramInfo> CaptureLoader::Programs() const {
  std::vector<CaptureProgramInfo> out;
  if (!skel_) return out;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    if (!bpf_program__autoload(prog)) continue;
    CaptureProgramInfo info;
    info.name = bpf_program__name(prog);
    struct bpf_prog_info pi {};
    uint32_t len = sizeof(pi);
    if (bpf_program__fd(prog) >= 0 && bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &len) == 0) {
      info.prog_id = pi.id;
      info.run_count = pi.run_cnt;
      info.run_time_ns = pi.run_time_ns;
    }
    for (size_t i = 0; i < links_.size(); i++) {
      if (link_names_[i] != info.name) continue;
      struct bpf_link_info li {};
      uint32_t llen = sizeof(li);
      if (bpf_obj_get_info_by_fd(bpf_link__fd(links_[i]), &li, &llen) == 0) info.link_id = li.id;
    }
    out.push_back(info);
  }
  return out;
}

int CaptureLoader::RingFd() const { return skel_ ? bpf_map__fd(skel_->maps.events) : -1; }

bpf_object* CaptureLoader::Object() const { return skel_ ? skel_->obj : nullptr; }

void CaptureLoader::Detach() {
  if (skel_) TlsObjectClosing(skel_->obj);
  for (auto* l : links_) bpf_link__destroy(l);
  links_.clear();
  link_names_.clear();
}

void CaptureLoader::Close() {
  Detach();
  if (skel_) sensor_bpf__destroy(skel_);
  skel_ = nullptr;
  if (stats_fd_ >= 0) close(stats_fd_);
  stats_fd_ = -1;
}

}  // namespace proctap
