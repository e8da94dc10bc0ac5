// JavaScript face of the capture: `new CaptureSession(options, onBatch)` loads and attaches the
// BPF programs, drains the ring buffer on its own thread and hands batches (many records in one
// Buffer, no copy into JS) to onBatch(buffer, count) through a thread-safe function. The queue
// towards JS is bounded: when JS falls behind, whole batches are dropped and counted here.
// onBatch(null, 0) is the last call, after close() has drained what the kernel had written.
#include <bpf/libbpf.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "capture_loader.h"
#include "module_registry.h"

namespace proctap {
namespace {

// Records are copied from the ring straight into the batch that JavaScript will receive (one
// copy); the block is trimmed to size when handed over and freed by the Buffer's finalizer.
struct Batch {
  uint8_t* data = nullptr;
  size_t size = 0;
  size_t cap = 0;
  uint32_t count = 0;
  bool end = false;  // the end-of-stream marker sent by close()
  ~Batch() { free(data); }
};

class CaptureSession;
std::mutex g_sessions_mu;
std::set<CaptureSession*> g_sessions;  // for the env cleanup hook

// Counters shared with callbacks that may run after the session object is gone.
struct DeliveryStats {
  std::atomic<uint32_t> queued{0};
  std::atomic<uint64_t> batches{0}, events{0};
};

void DeliverBatch(Napi::Env env, Napi::Function fn, DeliveryStats* stats, Batch* batch);

class CaptureSession : public Napi::ObjectWrap<CaptureSession> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CaptureSession",
                       {InstanceMethod("setFilter", &CaptureSession::SetFilter),
                        InstanceMethod("setMaxBytes", &CaptureSession::SetMaxBytes),
                        InstanceMethod("counters", &CaptureSession::Counters),
                        InstanceMethod("programs", &CaptureSession::Programs),
                        InstanceMethod("close", &CaptureSession::Close),
                        InstanceAccessor("capturePath", &CaptureSession::CapturePath, nullptr)});
  }

  CaptureSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CaptureSession>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "CaptureSession(options, onBatch)").ThrowAsJavaScriptException();
      return;
    }
    Napi::Object o = info[0].As<Napi::Object>();
    CaptureLoaderOptions lo;
    auto num = [&](const char* k, uint32_t def) -> uint32_t {
      Napi::Value v = o.Get(k);
      return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : def;
    };
    if (o.Get("path").IsString()) lo.path = o.Get("path").As<Napi::String>().Utf8Value();
    lo.ring_bytes = num("ringBytes", lo.ring_bytes);
    lo.cap_bytes = num("maxBytes", lo.cap_bytes);
    lo.wakeup_bytes = num("wakeupBytes", lo.wakeup_bytes);
    lo.tls_enabled = o.Get("tls").ToBoolean().Value();
    lo.bpf_stats = o.Get("bpfStats").ToBoolean().Value();
    if (o.Get("extraFamilies").IsArray()) {
      Napi::Array a = o.Get("extraFamilies").As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) lo.extra_families.push_back(a.Get(i).ToString().Utf8Value());
    }
    batch_bytes_ = num("batchBytes", 1u << 20);
    max_queued_ = num("maxQueuedBatches", 64);
    poll_ms_ = num("pollMs", 20);
    if (max_queued_ == 0) max_queued_ = 1;

    std::string err;
    if (!loader_.Open(lo, &err)) {
      Napi::Error::New(env, "proctap capture: " + err).ThrowAsJavaScriptException();
      return;
    }
    rb_ = ring_buffer__new(loader_.RingFd(), &CaptureSession::OnRecord, this, nullptr);
    if (!rb_) {
      loader_.Close();
      Napi::Error::New(env, "proctap capture: ring_buffer__new failed").ThrowAsJavaScriptException();
      return;
    }
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "proctap-capture", 0, 1);
    open_ = true;
    {
      std::lock_guard<std::mutex> lock(g_sessions_mu);
      g_sessions.insert(this);
    }
    reader_ = std::thread([this] { ReadLoop(); });
  }

  ~CaptureSession() override { Shutdown(false); }

  // Env teardown (process exit): stop the thread and free the BPF object without calling JS.
  static void CleanupAll() {
    std::set<CaptureSession*> all;
    {
      std::lock_guard<std::mutex> lock(g_sessions_mu);
      all = g_sessions;
    }
    for (auto* s : all) s->Shutdown(false);
  }

 private:
  std::function<void(Napi::Env, Napi::Function, Batch*)> Deliverer() {
    std::shared_ptr<DeliveryStats> stats = stats_;
    return [stats](Napi::Env env, Napi::Function fn, Batch* b) { DeliverBatch(env, fn, stats.get(), b); };
  }

  static int OnRecord(void* ctx, void* data, size_t size) {
    auto* self = static_cast<CaptureSession*>(ctx);
    Batch* b = self->cur_;
    if (b && b->size + size > self->batch_bytes_ && b->count > 0) {
      self->Flush();
      b = nullptr;
    }
    if (!b) {
      b = self->cur_ = new Batch();
      b->cap = static_cast<size_t>(self->batch_bytes_) + sizeof(pt_event) + PT_MAX_CAPTURE + 64;
      b->data = static_cast<uint8_t*>(malloc(b->cap));
      if (!b->data) {  // count it as a queue drop rather than crash
        self->native_drop_events_.fetch_add(1);
        self->native_drop_bytes_.fetch_add(size);
        delete b;
        self->cur_ = nullptr;
        return 0;
      }
    }
    if (b->size + size > b->cap) {  // a record larger than any the BPF side writes: skip, counted
      self->native_drop_events_.fetch_add(1);
      self->native_drop_bytes_.fetch_add(size);
      return 0;
    }
    memcpy(b->data + b->size, data, size);
    b->size += size;
    b->count++;
    return 0;
  }

  // Hands the staged records to JS as one exactly-sized batch, or drops them when JS is behind.
  void Flush() {
    Batch* b = cur_;
    if (!b || b->count == 0) return;
    if (stats_->queued.load() >= max_queued_) {
      native_drop_batches_.fetch_add(1);
      native_drop_events_.fetch_add(b->count);
      native_drop_bytes_.fetch_add(b->size);
      b->size = 0;  // keep the block for the next batch
      b->count = 0;
      return;
    } else {
      cur_ = nullptr;
      if (void* t = realloc(b->data, b->size)) b->data = static_cast<uint8_t*>(t);  // trim
      b->cap = b->size;
      stats_->queued.fetch_add(1);
      if (tsfn_.NonBlockingCall(b, Deliverer()) != napi_ok) {
        stats_->queued.fetch_sub(1);
        native_drop_batches_.fetch_add(1);
        native_drop_events_.fetch_add(b->count);
        native_drop_bytes_.fetch_add(b->size);
        delete b;
      }
    }
  }

  void ReadLoop() {
    // The BPF side wakes us only once wakeup_bytes are pending; the timeout bounds the latency of
    // a quiet ring, and consume() reads what a timed-out poll left.
    while (!stop_.load()) {
      ring_buffer__poll(rb_, poll_ms_);
      ring_buffer__consume(rb_);
      Flush();
    }
    ring_buffer__consume(rb_);
    Flush();
  }

  // deliver_end: queue the end marker for JS (close() from JS); false at env teardown / GC.
  // Returns true when the end marker was queued (onBatch(null) will follow).
  bool Shutdown(bool deliver_end) {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (!open_) return false;
    open_ = false;
    {
      std::lock_guard<std::mutex> glock(g_sessions_mu);
      g_sessions.erase(this);
    }
    loader_.Detach();  // no new events from here on
    stop_.store(true);
    if (reader_.joinable()) reader_.join();
    loader_.ReadCounters(&final_counters_);
    have_final_ = true;
    ring_buffer__free(rb_);
    rb_ = nullptr;
    delete cur_;  // only a dropped batch's block can be left here
    cur_ = nullptr;
    loader_.Close();
    if (deliver_end) {
      auto* b = new Batch();
      b->end = true;
      if (tsfn_.BlockingCall(b, Deliverer()) != napi_ok) {
        delete b;
        deliver_end = false;
      }
    }
    tsfn_.Release();
    return deliver_end;
  }

  // true: onBatch(null, 0) will follow; false: it will not (already closed, or it could not be queued).
  Napi::Value Close(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), Shutdown(true));
  }

  static bool ReadU32List(Napi::Value v, std::vector<uint32_t>* out) {
    if (v.IsUndefined() || v.IsNull()) return true;
    if (!v.IsArray()) return false;
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) return false;
      out->push_back(e.As<Napi::Number>().Uint32Value());
    }
    return true;
  }

  static bool ReadFilterSet(Napi::Value v, CaptureFilterSet* fs) {
    if (v.IsUndefined() || v.IsNull()) return true;
    if (!v.IsObject()) return false;
    Napi::Object o = v.As<Napi::Object>();
    if (!ReadU32List(o.Get("pids"), &fs->pids) || !ReadU32List(o.Get("netns"), &fs->netns)) return false;
    Napi::Value comms = o.Get("comms");
    if (comms.IsArray()) {
      Napi::Array a = comms.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) fs->comms.push_back(a.Get(i).ToString().Utf8Value());
    }
    Napi::Value cg = o.Get("cgroups");
    if (cg.IsArray()) {
      Napi::Array a = cg.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        bool lossless = true;
        if (e.IsBigInt()) fs->cgroups.push_back(e.As<Napi::BigInt>().Uint64Value(&lossless));
        else if (e.IsNumber()) fs->cgroups.push_back(static_cast<uint64_t>(e.As<Napi::Number>().Int64Value()));
        else return false;
      }
    }
    return true;
  }

  // setFilter({ include: {pids, comms, cgroups, netns}, exclude: {...} })
  Napi::Value SetFilter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CaptureFilterSet inc, exc;
    if (info.Length() < 1 || !info[0].IsObject() || !ReadFilterSet(info[0].As<Napi::Object>().Get("include"), &inc) ||
        !ReadFilterSet(info[0].As<Napi::Object>().Get("exclude"), &exc)) {
      Napi::TypeError::New(env, "setFilter({include, exclude}): lists of pids, comms, cgroups, netns")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    std::string err;
    if (!open_ || !loader_.SetFilter(inc, exc, &err)) {
      Napi::Error::New(env, "proctap capture: " + (open_ ? err : std::string("closed"))).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  Napi::Value SetMaxBytes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    std::string err;
    if (!info[0].IsNumber() || !open_ || !loader_.SetCapBytes(info[0].As<Napi::Number>().Uint32Value(), &err))
      Napi::Error::New(env, "proctap capture: setMaxBytes: " + err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    pt_counters c{};
    {
      std::lock_guard<std::mutex> lock(shutdown_mu_);
      if (open_) loader_.ReadCounters(&c);
      else if (have_final_) c = final_counters_;
    }
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](const char* k, uint64_t v) { o.Set(k, Napi::Number::New(env, static_cast<double>(v))); };
    set("events", c.events);
    set("bytes", c.bytes);
    set("ringDrops", c.drops);
    set("ringDropBytes", c.drop_bytes);
    set("filtered", c.filtered);
    set("readFaults", c.read_faults);
    set("noPayload", c.no_payload);
    set("truncated", c.truncated);
    set("tlsEvents", c.tls_events);
    set("syscallMisses", c.syscall_misses);
    set("deliveredBatches", stats_->batches.load());
    set("deliveredEvents", stats_->events.load());
    set("queueDropBatches", native_drop_batches_.load());
    set("queueDropEvents", native_drop_events_.load());
    set("queueDropBytes", native_drop_bytes_.load());
    set("queuedBatches", stats_->queued.load());
    return o;
  }

  Napi::Value Programs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<CaptureProgramInfo> progs;
    {
      std::lock_guard<std::mutex> lock(shutdown_mu_);
      if (open_) progs = loader_.Programs();
    }
    Napi::Array a = Napi::Array::New(env, progs.size());
    for (size_t i = 0; i < progs.size(); i++) {
      Napi::Object p = Napi::Object::New(env);
      p.Set("name", progs[i].name);
      p.Set("id", progs[i].prog_id);
      p.Set("linkId", progs[i].link_id);
      p.Set("runCount", static_cast<double>(progs[i].run_count));
      p.Set("runTimeNs", static_cast<double>(progs[i].run_time_ns));
      a.Set(i, p);
    }
    return a;
  }

  Napi::Value CapturePath(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), loader_.path()); }

  CaptureLoader loader_;
  ring_buffer* rb_ = nullptr;
  Napi::ThreadSafeFunction tsfn_;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::mutex shutdown_mu_;
  bool open_ = false;
  pt_counters final_counters_{};
  bool have_final_ = false;

  // Reader-thread state.
  Batch* cur_ = nullptr;  // the batch being filled (reader thread only)
  uint32_t batch_bytes_ = 1u << 20;
  uint32_t max_queued_ = 64;
  int poll_ms_ = 20;

  std::shared_ptr<DeliveryStats> stats_ = std::make_shared<DeliveryStats>();
  std::atomic<uint64_t> native_drop_batches_{0}, native_drop_events_{0}, native_drop_bytes_{0};
};

void DeliverBatch(Napi::Env env, Napi::Function fn, DeliveryStats* stats, Batch* batch) {
  if (!batch->end) {
    stats->queued.fetch_sub(1);
    stats->batches.fetch_add(1);
    stats->events.fetch_add(batch->count);
  }
  if (env == nullptr || fn.IsEmpty()) {
    delete batch;
    return;
  }
  if (batch->end) {
    delete batch;
    fn.Call({env.Null(), Napi::Number::New(env, 0)});
    return;
  }
  uint32_t count = batch->count;
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(
      env, batch->data, batch->size, [](Napi::Env, uint8_t*, Batch* b) { delete b; }, batch);
  fn.Call({buf, Napi::Number::New(env, count)});
}

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("sockTracepoints", CaptureLoader::KernelHasSockTracepoints());
  struct timespec mono {}, real {};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  // Offset from the BPF clock (CLOCK_MONOTONIC) to wall-clock, in ms.
  double off = (real.tv_sec - mono.tv_sec) * 1e3 + (real.tv_nsec - mono.tv_nsec) / 1e6;
  o.Set("monotonicToRealtimeMs", off);
  o.Set("eventHeaderBytes", static_cast<double>(sizeof(pt_event)));
  o.Set("eventVersion", PT_EVENT_VERSION);
  o.Set("maxCaptureBytes", PT_MAX_CAPTURE);
  return o;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("CaptureSession", CaptureSession::Define(env));
  exports.Set("captureProbe", Napi::Function::New(env, Probe));
  napi_add_env_cleanup_hook(env, [](void*) { CaptureSession::CleanupAll(); }, nullptr);
}

}  // namespace

static RegisterModule reg("capture", Init);

}  // namespace proctap
