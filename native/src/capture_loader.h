// Loads bpf/sensor.bpf.c through its libbpf skeleton: picks the capture path, sizes the ring,
// attaches, updates filters and config at run time, reads the per-CPU counters, detaches.
// No N-API here: capture_session.cc wraps it for JavaScript.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "events.h"

struct ring_buffer;
struct bpf_object;
struct bpf_link;
struct sensor_bpf;

namespace proctap {

struct CaptureLoaderOptions {
  std::string path = "auto";  // "auto" | "sock-tracepoints" | "syscalls"
  uint32_t ring_bytes = 64u << 20;
  uint32_t cap_bytes = PT_DEFAULT_CAPTURE;
  uint32_t wakeup_bytes = 256u << 10;
  bool tls_enabled = false;
  // Keep kernel BPF run-time statistics on while open (BPF_ENABLE_STATS; host-wide, ~20 ns a run).
  bool bpf_stats = false;
  // Program name prefixes to load besides the capture path's own (e.g. "pt_tls_"); programs of
  // these families are loaded but attached by their own code (uprobes need a target).
  std::vector<std::string> extra_families;
};

struct CaptureFilterSet {
  std::vector<uint32_t> pids;
  std::vector<std::string> comms;
  std::vector<uint64_t> cgroups;
  std::vector<uint32_t> netns;
};

struct CaptureProgramInfo {
  std::string name;
  uint32_t prog_id = 0;
  uint32_t link_id = 0;  // 0 when not attached by the loader
  uint64_t run_count = 0;    // counted only while BPF stats are enabled (bpf_stats option)
  uint64_t run_time_ns = 0;
};

class CaptureLoader {
 public:
  CaptureLoader() = default;
  ~CaptureLoader();
  CaptureLoader(const CaptureLoader&) = delete;
  CaptureLoader& operator=(const CaptureLoader&) = delete;

  // True when the kernel has the 6.3 socket tracepoints (BTF typedef btf_trace_sock_send_length).
  static bool KernelHasSockTracepoints();

  bool Open(const CaptureLoaderOptions& opts, std::string* err);
  bool SetFilter(const CaptureFilterSet& include, const CaptureFilterSet& exclude, std::string* err);
  bool SetCapBytes(uint32_t cap, std::string* err);
  bool ReadCounters(pt_counters* out) const;
  std::vector<CaptureProgramInfo> Programs() const;
  int RingFd() const;
  bpf_object* Object() const;
  const std::string& path() const { return path_; }
  // Destroys links first (no new events), then the object and its maps.
  void Detach();
  void Close();

 private:
  bool WriteConfig(std::string* err);
  sensor_bpf* skel_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<std::string> link_names_;
  pt_config config_{};
  std::string path_;
  int stats_fd_ = -1;
};

}  // namespace proctap
