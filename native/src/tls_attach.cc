// TLS probe attachment (bpf/capture_tls.bpf.h): uprobes on OpenSSL's SSL_* functions of one
// library file, either for one process (pid > 0: other processes that map the file get no
// breakpoint and pay nothing) or for every process (pid -1: the in-kernel filter selects).
// JavaScript drives it through `new TlsProbes(programId)`, where programId is the id of any
// pt_tls_* program of a CaptureSession (session.programs()); which libraries to attach to, and
// for which processes, is decided in src/capture/tls/.
//
// Also here: the exec/exit notification programs and their small ring (control plane), and the
// TLS counters. The capture loader calls TlsObjectOpened/TlsObjectClosing so links never outlive
// the object; after closing, counters() returns the last values.
#include "tls_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events.h"
#include "module_registry.h"
#include "tls_events.h"

namespace proctap {
namespace {

struct ProbeSpec {
  const char* func;
  const char* entry_prog;  // uprobe
  const char* ret_prog;    // uretprobe, or nullptr
  bool required;
};

// Return probes first: an entry without its return probe would leave in-call state behind.
const ProbeSpec kProbes[] = {
    {"SSL_write", "pt_tls_write_enter", "pt_tls_data_ret", true},
    {"SSL_read", "pt_tls_read_enter", "pt_tls_data_ret", true},
    {"SSL_write_ex", "pt_tls_write_ex_enter", "pt_tls_data_ret", false},
    {"SSL_read_ex", "pt_tls_read_ex_enter", "pt_tls_data_ret", false},
    {"SSL_do_handshake", "pt_tls_handshake_enter", "pt_tls_handshake_ret", false},
    {"SSL_free", "pt_tls_free", nullptr, false},
};

struct Attachment {
  int pid = -1;
  std::string path;
  std::vector<bpf_link*> links;
};

struct ObjState {
  bpf_object* obj = nullptr;
  bool closed = false;
  uint32_t next_handle = 1;
  std::map<uint32_t, Attachment> attachments;
  std::vector<bpf_link*> notify_links;
  ring_buffer* notify_rb = nullptr;
  std::vector<pt_tls_notify> pending;
  pt_tls_counters final_counters{};
};

std::mutex g_mu;  // guards g_objs and every ObjState
std::map<bpf_object*, std::shared_ptr<ObjState>> g_objs;

// Removing a uprobe waits for an RCU grace period in the kernel (~100 ms here) while holding the
// kernel's global event_mutex, which every uprobe attach also takes. Destroying a process's 11
// links at once therefore stalled any attach for 1-2 s, and with it a new process held at exec.
// So links of exited processes go to a reaper thread that destroys one link at a time, and only
// when no attach has happened for a little while: an attach waits at most one grace period.
std::atomic<int64_t> g_last_attach_ms{0};

int64_t NowMs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

class Reaper {
 public:
  void Add(std::vector<bpf_link*> links) {
    if (links.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    queue_.insert(queue_.end(), links.begin(), links.end());
    if (!running_) {
      running_ = true;
      std::thread([this] { Run(); }).detach();
    }
  }

  // The BPF object is going: its programs must not stay attached through queued links.
  void DrainNow() {
    std::vector<bpf_link*> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      all.swap(queue_);
    }
    for (auto* l : all) bpf_link__destroy(l);
  }

 private:
  void Run() {
    for (;;) {
      if (NowMs() - g_last_attach_ms.load() < 250) {
        usleep(50 * 1000);
        continue;
      }
      bpf_link* l = nullptr;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.empty()) {
          running_ = false;
          return;
        }
        l = queue_.back();
        queue_.pop_back();
      }
      bpf_link__destroy(l);
    }
  }
  std::mutex mu_;
  std::vector<bpf_link*> queue_;
  bool running_ = false;
};

Reaper& TheReaper() {
  static Reaper* r = new Reaper();  // never destroyed: the thread may outlive static destructors
  return *r;
}

void DestroyLinks(ObjState* st) {
  std::vector<bpf_link*> all;
  for (auto& kv : st->attachments) all.insert(all.end(), kv.second.links.begin(), kv.second.links.end());
  st->attachments.clear();
  all.insert(all.end(), st->notify_links.begin(), st->notify_links.end());
  st->notify_links.clear();
  // Removals from several threads overlap part of their grace-period waits (measured: 11 links
  // 1.8-2.5 s one by one, ~0.9 s in parallel).
  std::atomic<size_t> next{0};
  std::vector<std::thread> ts;
  for (size_t i = 0; i < std::min<size_t>(all.size(), 32); i++) {
    ts.emplace_back([&all, &next] {
      for (size_t j; (j = next.fetch_add(1)) < all.size();) bpf_link__destroy(all[j]);
    });
  }
  for (auto& t : ts) t.join();
  if (st->notify_rb) ring_buffer__free(st->notify_rb);
  st->notify_rb = nullptr;
}

bool ReadCounters(bpf_object* obj, pt_tls_counters* out) {
  memset(out, 0, sizeof(*out));
  bpf_map* m = bpf_object__find_map_by_name(obj, "tls_counters");
  int ncpu = libbpf_num_possible_cpus();
  if (!m || ncpu <= 0 || bpf_map__fd(m) < 0) return false;
  std::vector<pt_tls_counters> per(ncpu);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(m), &zero, per.data())) return false;
  const size_t n = sizeof(pt_tls_counters) / sizeof(uint64_t);
  for (const auto& c : per) {
    const uint64_t* src = reinterpret_cast<const uint64_t*>(&c);
    uint64_t* dst = reinterpret_cast<uint64_t*>(out);
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
  }
  return true;
}

int OnNotify(void* ctx, void* data, size_t size) {
  auto* st = static_cast<ObjState*>(ctx);
  if (size >= sizeof(pt_tls_notify)) st->pending.push_back(*static_cast<pt_tls_notify*>(data));
  return 0;
}

std::string Err(const std::string& what, int e) { return what + ": " + strerror(e < 0 ? -e : e); }

class TlsProbes : public Napi::ObjectWrap<TlsProbes> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "TlsProbes",
                       {InstanceMethod("attach", &TlsProbes::Attach), InstanceMethod("detach", &TlsProbes::Detach),
                        InstanceMethod("startNotify", &TlsProbes::StartNotify),
                        InstanceMethod("setControl", &TlsProbes::SetControl),
                        InstanceMethod("pollNotify", &TlsProbes::PollNotify),
                        InstanceMethod("watch", &TlsProbes::Watch), InstanceMethod("counters", &TlsProbes::Counters),
                        InstanceMethod("linkCount", &TlsProbes::LinkCount), InstanceMethod("close", &TlsProbes::Close)});
  }

  TlsProbes(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TlsProbes>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      Napi::TypeError::New(env, "TlsProbes(programId)").ThrowAsJavaScriptException();
      return;
    }
    uint32_t want = info[0].As<Napi::Number>().Uint32Value();
    std::lock_guard<std::mutex> lock(g_mu);
    for (auto& kv : g_objs) {
      bpf_program* prog;
      bpf_object__for_each_program(prog, kv.first) {
        if (strncmp(bpf_program__name(prog), "pt_tls_", 7) != 0 || bpf_program__fd(prog) < 0) continue;
        bpf_prog_info pi{};
        uint32_t len = sizeof(pi);
        if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &len) == 0 && pi.id == want) st_ = kv.second;
      }
    }
    if (!st_) {
      Napi::Error::New(env, "TlsProbes: no open capture session has TLS program id " + std::to_string(want) +
                                " (was the session opened with HTTPS capture on?)")
          .ThrowAsJavaScriptException();
    }
  }

 private:
  bpf_program* Prog(const char* name) {
    return st_ && !st_->closed ? bpf_object__find_program_by_name(st_->obj, name) : nullptr;
  }

  // attach(pid, path, libId, offsets?) -> { handle, functions: string[], missing: string[] }; throws when
  // SSL_write or SSL_read cannot be attached (nothing stays attached then).
  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber()) {
      Napi::TypeError::New(env, "attach(pid, path, libId)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int pid = info[0].As<Napi::Number>().Int32Value();
    std::string path = info[1].As<Napi::String>().Utf8Value();
    uint32_t lib_id = info[2].As<Napi::Number>().Uint32Value();
    // Optional { SSL_write: fileOffset, ... } resolved by the caller once per file; a function
    // not listed is resolved by libbpf from its name.
    Napi::Object offsets = info.Length() > 3 && info[3].IsObject() ? info[3].As<Napi::Object>() : Napi::Object::New(env);
    if (pid == 0 || pid < -1) {
      Napi::TypeError::New(env, "attach: pid must be > 0, or -1 for every process").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::lock_guard<std::mutex> lock(g_mu);
    if (!st_ || st_->closed) {
      Napi::Error::New(env, "TlsProbes: the capture session is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    g_last_attach_ms.store(NowMs());
    Attachment a;
    a.pid = pid;
    a.path = path;
    Napi::Array done = Napi::Array::New(env), missing = Napi::Array::New(env);
    for (const ProbeSpec& p : kProbes) {
      std::string err;
      std::vector<bpf_link*> made;
      for (int ret = 1; ret >= 0; ret--) {
        const char* pname = ret ? p.ret_prog : p.entry_prog;
        if (!pname) continue;
        bpf_program* prog = Prog(pname);
        if (!prog) {
          err = std::string("program ") + pname + " is not loaded";
          break;
        }
        Napi::Value off = offsets.Get(p.func);
        bool have_off = off.IsNumber();
        LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = lib_id, .retprobe = ret != 0,
                    .func_name = have_off ? nullptr : p.func);
        size_t func_off = have_off ? static_cast<size_t>(off.As<Napi::Number>().Int64Value()) : 0;
        bpf_link* l = bpf_program__attach_uprobe_opts(prog, pid, path.c_str(), func_off, &o);
        if (!l) {
          err = Err(std::string(p.func) + (ret ? " (return)" : ""), errno);
          break;
        }
        made.push_back(l);
      }
      if (!err.empty()) {
        for (auto* l : made) bpf_link__destroy(l);
        if (p.required) {
          for (auto* l : a.links) bpf_link__destroy(l);
          Napi::Error::New(env, "attaching TLS probes to " + path + (pid > 0 ? " (pid " + std::to_string(pid) + ")" : "") +
                                    ": " + err)
              .ThrowAsJavaScriptException();
          return env.Undefined();
        }
        missing.Set(missing.Length(), p.func);
        continue;
      }
      a.links.insert(a.links.end(), made.begin(), made.end());
      g_last_attach_ms.store(NowMs());
      done.Set(done.Length(), p.func);
    }
    uint32_t handle = st_->next_handle++;
    st_->attachments[handle] = std::move(a);
    Napi::Object out = Napi::Object::New(env);
    out.Set("handle", handle);
    out.Set("functions", done);
    out.Set("missing", missing);
    return out;
  }

  Napi::Value Detach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      Napi::TypeError::New(env, "detach(handle)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::lock_guard<std::mutex> lock(g_mu);
    if (!st_) return Napi::Boolean::New(env, false);
    auto it = st_->attachments.find(info[0].As<Napi::Number>().Uint32Value());
    if (it == st_->attachments.end()) return Napi::Boolean::New(env, false);
    TheReaper().Add(std::move(it->second.links));
    st_->attachments.erase(it);
    return Napi::Boolean::New(env, true);
  }

  // Attaches the exec/exit tracepoints and opens the notification ring (idempotent).
  Napi::Value StartNotify(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::lock_guard<std::mutex> lock(g_mu);
    if (!st_ || st_->closed) {
      Napi::Error::New(env, "TlsProbes: the capture session is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (st_->notify_rb) return env.Undefined();
    for (const char* name : {"pt_tls_exec", "pt_tls_exit_proc"}) {
      bpf_program* prog = Prog(name);
      bpf_link* l = prog ? bpf_program__attach(prog) : nullptr;
      if (!l) {
        Napi::Error::New(env, Err(std::string("attaching ") + name, prog ? errno : ENOENT)).ThrowAsJavaScriptException();
        return env.Undefined();
      }
      st_->notify_links.push_back(l);
    }
    bpf_map* m = bpf_object__find_map_by_name(st_->obj, "tls_notify");
    st_->notify_rb = m ? ring_buffer__new(bpf_map__fd(m), OnNotify, st_.get(), nullptr) : nullptr;
    if (!st_->notify_rb) Napi::Error::New(env, "TlsProbes: tls_notify ring").ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // setControl({ notifyExec, holdExec, linkWindowMs })
  Napi::Value SetControl(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      Napi::TypeError::New(env, "setControl({notifyExec, holdExec, linkWindowMs})").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object o = info[0].As<Napi::Object>();
    pt_tls_ctl ctl{};
    ctl.notify_exec = o.Get("notifyExec").ToBoolean().Value();
    ctl.hold_exec = o.Get("holdExec").ToBoolean().Value();
    ctl.link_window_ms = o.Get("linkWindowMs").IsNumber() ? o.Get("linkWindowMs").As<Napi::Number>().Uint32Value() : 0;
    ctl.heartbeat_ns = static_cast<uint64_t>(NowMs()) * 1000000ULL;
    std::lock_guard<std::mutex> lock(g_mu);
    bpf_map* m = st_ && !st_->closed ? bpf_object__find_map_by_name(st_->obj, "tls_ctl") : nullptr;
    uint32_t zero = 0;
    if (!m || bpf_map_update_elem(bpf_map__fd(m), &zero, &ctl, BPF_ANY))
      Napi::Error::New(env, Err("TlsProbes: writing tls_ctl", m ? errno : ENOENT)).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // pollNotify() -> [{ kind: 'exec'|'exit', pid, netns, cgroupId, comm, held }]
  Napi::Value PollNotify(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<pt_tls_notify> got;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      if (st_ && st_->notify_rb && !st_->closed) {
        ring_buffer__consume(st_->notify_rb);
        got.swap(st_->pending);
        // Heartbeat: the kernel holds new processes at exec only while we keep polling.
        bpf_map* m = bpf_object__find_map_by_name(st_->obj, "tls_ctl");
        uint32_t zero = 0;
        pt_tls_ctl ctl{};
        if (m && bpf_map_lookup_elem(bpf_map__fd(m), &zero, &ctl) == 0) {
          ctl.heartbeat_ns = static_cast<uint64_t>(NowMs()) * 1000000ULL;
          bpf_map_update_elem(bpf_map__fd(m), &zero, &ctl, BPF_ANY);
        }
      }
    }
    Napi::Array a = Napi::Array::New(env, got.size());
    for (size_t i = 0; i < got.size(); i++) {
      const pt_tls_notify& n = got[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("kind", n.kind == PT_TLS_NOTIFY_EXEC ? "exec" : "exit");
      o.Set("pid", n.pid);
      o.Set("netns", n.netns_ino);
      o.Set("cgroupId", Napi::BigInt::New(env, static_cast<uint64_t>(n.cgroup_id)));
      o.Set("comm", std::string(n.comm, strnlen(n.comm, sizeof(n.comm))));
      o.Set("held", n.held != 0);
      a.Set(i, o);
    }
    return a;
  }

  // watch(pid, on): report this pid's exit (per-pid probes to detach).
  Napi::Value Watch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber()) {
      Napi::TypeError::New(env, "watch(pid, on)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    uint32_t pid = info[0].As<Napi::Number>().Uint32Value();
    std::lock_guard<std::mutex> lock(g_mu);
    bpf_map* m = st_ && !st_->closed ? bpf_object__find_map_by_name(st_->obj, "tls_watch") : nullptr;
    if (!m) return env.Undefined();
    if (info[1].ToBoolean().Value()) {
      uint8_t one = 1;
      bpf_map_update_elem(bpf_map__fd(m), &pid, &one, BPF_ANY);
    } else {
      bpf_map_delete_elem(bpf_map__fd(m), &pid);
    }
    return env.Undefined();
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    pt_tls_counters c{};
    {
      std::lock_guard<std::mutex> lock(g_mu);
      if (st_ && !st_->closed) ReadCounters(st_->obj, &c);
      else if (st_) c = st_->final_counters;
    }
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](const char* k, uint64_t v) { o.Set(k, Napi::Number::New(env, static_cast<double>(v))); };
    set("calls", c.calls);
    set("filtered", c.filtered);
    set("events", c.events);
    set("unlinked", c.unlinked);
    set("exact", c.exact);
    set("inferred", c.inferred);
    set("socketLinks", c.socket_links);
    set("frees", c.frees);
    set("notify", c.notify);
    set("notifyDrops", c.notify_drops);
    set("held", c.held);
    set("scratchRaces", c.scratch_races);
    return o;
  }

  Napi::Value LinkCount(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(g_mu);
    size_t n = 0;
    if (st_)
      for (auto& kv : st_->attachments) n += kv.second.links.size();
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  // Detaches every uprobe and the notifications; the session itself stays open.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(g_mu);
    if (st_ && !st_->closed) DestroyLinks(st_.get());
    return info.Env().Undefined();
  }

  std::shared_ptr<ObjState> st_;
};

void Init(Napi::Env env, Napi::Object exports) { exports.Set("TlsProbes", TlsProbes::Define(env)); }

}  // namespace

void TlsObjectOpened(bpf_object* obj) {
  bool has_tls = false;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    if (strncmp(bpf_program__name(prog), "pt_tls_", 7) == 0 && bpf_program__autoload(prog)) has_tls = true;
  }
  if (!has_tls) return;
  auto st = std::make_shared<ObjState>();
  st->obj = obj;
  std::lock_guard<std::mutex> lock(g_mu);
  g_objs[obj] = st;
}

void TlsObjectClosing(bpf_object* obj) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_objs.find(obj);
  if (it == g_objs.end()) return;
  ObjState* st = it->second.get();
  DestroyLinks(st);
  TheReaper().DrainNow();
  ReadCounters(obj, &st->final_counters);
  st->closed = true;
  g_objs.erase(it);
}

static RegisterModule reg("tls", Init);

}  // namespace proctap
