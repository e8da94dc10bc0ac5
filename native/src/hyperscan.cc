// Hyperscan literal databases for the ET fast-pattern prefilter. JS compiles one database per rule
// group (hsCompile) and scans a buffer range into a caller-owned Uint32Array of pattern ids
// (hsScan), so a scan allocates nothing. One scratch space serves every database (JS is one thread).
#include "module_registry.h"

#ifdef PROCTAP_HAVE_HYPERSCAN
#include <hs/hs.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Db {
  hs_database_t* db = nullptr;
};

hs_scratch_t* g_scratch = nullptr;

void FreeDb(Napi::Env, Db* d) {
  if (d->db) hs_free_database(d->db);
  delete d;
}

// hsCompile(patterns: Buffer[], caseless: Uint8Array) -> External
Napi::Value Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsTypedArray()) {
    Napi::TypeError::New(env, "hsCompile(patterns: Buffer[], caseless: Uint8Array)").ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Array arr = info[0].As<Napi::Array>();
  Napi::Uint8Array caseless = info[1].As<Napi::Uint8Array>();
  const uint32_t n = arr.Length();
  if (n == 0 || caseless.ElementLength() < n) {
    Napi::Error::New(env, "hsCompile: need at least one pattern and a flag per pattern").ThrowAsJavaScriptException();
    return env.Null();
  }
  std::vector<std::string> store(n);
  std::vector<const char*> ptrs(n);
  std::vector<size_t> lens(n);
  std::vector<unsigned> flags(n), ids(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsBuffer()) {
      Napi::TypeError::New(env, "hsCompile: patterns must be Buffers").ThrowAsJavaScriptException();
      return env.Null();
    }
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    store[i].assign(b.Data(), b.Length());
    ptrs[i] = store[i].data();
    lens[i] = store[i].size();
    flags[i] = HS_FLAG_SINGLEMATCH | (caseless[i] ? HS_FLAG_CASELESS : 0);
    ids[i] = i;
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(), n, HS_MODE_BLOCK, nullptr, &db,
                           &err) != HS_SUCCESS) {
    std::string msg = std::string("hsCompile: ") + (err && err->message ? err->message : "failed") +
                      " (pattern " + std::to_string(err ? err->expression : -1) + ")";
    if (err) hs_free_compile_error(err);
    Napi::Error::New(env, msg).ThrowAsJavaScriptException();
    return env.Null();
  }
  if (hs_alloc_scratch(db, &g_scratch) != HS_SUCCESS) {
    hs_free_database(db);
    Napi::Error::New(env, "hsCompile: cannot allocate scratch").ThrowAsJavaScriptException();
    return env.Null();
  }
  return Napi::External<Db>::New(env, new Db{db}, FreeDb);
}

// Compiles on a libuv pool thread, so several databases build in parallel with the JS thread free.
// Scratch is (re)allocated in OnOK, on the JS thread, where every scan runs.
class CompileWorker : public Napi::AsyncWorker {
 public:
  CompileWorker(Napi::Function cb, std::vector<std::string> pats, std::vector<unsigned> flags)
      : Napi::AsyncWorker(cb), pats_(std::move(pats)), flags_(std::move(flags)) {}

  void Execute() override {
    const size_t n = pats_.size();
    std::vector<const char*> ptrs(n);
    std::vector<size_t> lens(n);
    std::vector<unsigned> ids(n);
    for (size_t i = 0; i < n; i++) {
      ptrs[i] = pats_[i].data();
      lens[i] = pats_[i].size();
      ids[i] = static_cast<unsigned>(i);
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_lit_multi(ptrs.data(), flags_.data(), ids.data(), lens.data(), static_cast<unsigned>(n), HS_MODE_BLOCK,
                             nullptr, &db_, &err) != HS_SUCCESS) {
      SetError(std::string("hsCompileAsync: ") + (err && err->message ? err->message : "failed"));
      if (err) hs_free_compile_error(err);
      db_ = nullptr;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (hs_alloc_scratch(db_, &g_scratch) != HS_SUCCESS) {
      hs_free_database(db_);
      Callback().Call({Napi::Error::New(env, "hsCompileAsync: cannot allocate scratch").Value()});
      return;
    }
    Callback().Call({env.Null(), Napi::External<Db>::New(env, new Db{db_}, FreeDb)});
  }

 private:
  std::vector<std::string> pats_;
  std::vector<unsigned> flags_;
  hs_database_t* db_ = nullptr;
};

// hsCompileAsync(patterns: Buffer[], caseless: Uint8Array, cb: (err, db) => void)
Napi::Value CompileAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsTypedArray() || !info[2].IsFunction()) {
    Napi::TypeError::New(env, "hsCompileAsync(patterns: Buffer[], caseless: Uint8Array, cb)").ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Array arr = info[0].As<Napi::Array>();
  Napi::Uint8Array caseless = info[1].As<Napi::Uint8Array>();
  const uint32_t n = arr.Length();
  if (n == 0 || caseless.ElementLength() < n) {
    Napi::Error::New(env, "hsCompileAsync: need at least one pattern and a flag per pattern").ThrowAsJavaScriptException();
    return env.Null();
  }
  std::vector<std::string> pats(n);
  std::vector<unsigned> flags(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsBuffer()) {
      Napi::TypeError::New(env, "hsCompileAsync: patterns must be Buffers").ThrowAsJavaScriptException();
      return env.Null();
    }
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    pats[i].assign(b.Data(), b.Length());
    flags[i] = HS_FLAG_SINGLEMATCH | (caseless[i] ? HS_FLAG_CASELESS : 0);
  }
  (new CompileWorker(info[2].As<Napi::Function>(), std::move(pats), std::move(flags)))->Queue();
  return env.Undefined();
}

struct ScanCtx {
  uint32_t* out;
  size_t cap;
  size_t n;
};

int OnMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ScanCtx* c = static_cast<ScanCtx*>(ctx);
  if (c->n < c->cap) c->out[c->n] = id;
  c->n++;
  return 0;
}

// hsScan(db, buf: Buffer, offset, length, out: Uint32Array) -> number of ids found
Napi::Value Scan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Db* d = info[0].As<Napi::External<Db>>().Data();
  Napi::Buffer<char> buf = info[1].As<Napi::Buffer<char>>();
  uint32_t off = info[2].As<Napi::Number>().Uint32Value();
  uint32_t len = info[3].As<Napi::Number>().Uint32Value();
  Napi::Uint32Array out = info[4].As<Napi::Uint32Array>();
  if (static_cast<size_t>(off) + len > buf.Length()) {
    Napi::RangeError::New(env, "hsScan: range outside the buffer").ThrowAsJavaScriptException();
    return env.Null();
  }
  ScanCtx ctx{out.Data(), out.ElementLength(), 0};
  hs_error_t rc = hs_scan(d->db, buf.Data() + off, len, 0, g_scratch, OnMatch, &ctx);
  if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
    Napi::Error::New(env, "hsScan failed: " + std::to_string(rc)).ThrowAsJavaScriptException();
    return env.Null();
  }
  return Napi::Number::New(env, static_cast<double>(ctx.n));
}

struct BatchCtx {
  uint32_t* out;
  size_t cap;
  size_t n;
  uint32_t which;
};

int OnBatchMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  BatchCtx* c = static_cast<BatchCtx*>(ctx);
  if (c->n + 2 <= c->cap) {
    c->out[c->n] = c->which;
    c->out[c->n + 1] = id;
  }
  c->n += 2;
  return 0;
}

// hsScanBatch(dbs: External[], bufs: Buffer[], out: Uint32Array) -> number of uint32 written:
// (index into dbs, pattern id) pairs. One call for a transaction's many small buffers.
Napi::Value ScanBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array dbs = info[0].As<Napi::Array>();
  Napi::Array bufs = info[1].As<Napi::Array>();
  Napi::Uint32Array out = info[2].As<Napi::Uint32Array>();
  const uint32_t n = dbs.Length();
  if (bufs.Length() != n) {
    Napi::RangeError::New(env, "hsScanBatch: dbs and bufs differ in length").ThrowAsJavaScriptException();
    return env.Null();
  }
  BatchCtx ctx{out.Data(), out.ElementLength(), 0, 0};
  for (uint32_t i = 0; i < n; i++) {
    Db* d = dbs.Get(i).As<Napi::External<Db>>().Data();
    Napi::Buffer<char> b = bufs.Get(i).As<Napi::Buffer<char>>();
    if (b.Length() == 0) continue;
    ctx.which = i;
    hs_error_t rc = hs_scan(d->db, b.Data(), b.Length(), 0, g_scratch, OnBatchMatch, &ctx);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
      Napi::Error::New(env, "hsScanBatch failed: " + std::to_string(rc)).ThrowAsJavaScriptException();
      return env.Null();
    }
  }
  return Napi::Number::New(env, static_cast<double>(ctx.n));
}

// hsSerialize(db) -> Buffer: the compiled database as bytes (cached on disk by the caller).
Napi::Value Serialize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Db* d = info[0].As<Napi::External<Db>>().Data();
  char* bytes = nullptr;
  size_t len = 0;
  if (hs_serialize_database(d->db, &bytes, &len) != HS_SUCCESS) {
    Napi::Error::New(env, "hsSerialize failed").ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Buffer<char> out = Napi::Buffer<char>::Copy(env, bytes, len);
  free(bytes);
  return out;
}

// hsDeserialize(buf) -> External, or throws when the bytes are not a database for this libhs/CPU.
Napi::Value Deserialize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<char> b = info[0].As<Napi::Buffer<char>>();
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(b.Data(), b.Length(), &db) != HS_SUCCESS) {
    Napi::Error::New(env, "hsDeserialize: not a usable database").ThrowAsJavaScriptException();
    return env.Null();
  }
  if (hs_alloc_scratch(db, &g_scratch) != HS_SUCCESS) {
    hs_free_database(db);
    Napi::Error::New(env, "hsDeserialize: cannot allocate scratch").ThrowAsJavaScriptException();
    return env.Null();
  }
  return Napi::External<Db>::New(env, new Db{db}, FreeDb);
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("hsScanBatch", Napi::Function::New(env, ScanBatch));
  exports.Set("hsCompileAsync", Napi::Function::New(env, CompileAsync));
  exports.Set("hsSerialize", Napi::Function::New(env, Serialize));
  exports.Set("hsDeserialize", Napi::Function::New(env, Deserialize));
  exports.Set("hsCompile", Napi::Function::New(env, Compile));
  exports.Set("hsScan", Napi::Function::New(env, Scan));
}

proctap::RegisterModule reg("hyperscan", Init);
}  // namespace
#endif
