// glibc malloc controls for a long-running sensor. After loading, glibc's dynamic mmap threshold
// has grown to the size of the largest freed block (rule files read whole), so later 1 MiB capture
// batches and large Buffers come from the heaps and their freed pages stay resident; after a
// traffic burst the main heap keeps tens of MB of free pages. Exports:
//   memory.tune({ mmapThreshold?, trimThreshold?, arenaMax? }) -> true when every mallopt succeeded
//   memory.trim() -> true when malloc_trim returned memory to the system
#include "module_registry.h"

#include <malloc.h>

namespace {

Napi::Value Tune(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "memory.tune({ mmapThreshold?, trimThreshold?, arenaMax? })").ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  bool ok = true;
  auto set = [&](const char* key, int param) {
    Napi::Value v = o.Get(key);
    if (!v.IsNumber()) return;
    int n = v.As<Napi::Number>().Int32Value();
    if (n <= 0 || mallopt(param, n) != 1) ok = false;
  };
  // Setting M_MMAP_THRESHOLD (or M_TRIM_THRESHOLD) also turns off glibc's dynamic adjustment.
  set("mmapThreshold", M_MMAP_THRESHOLD);
  set("trimThreshold", M_TRIM_THRESHOLD);
  set("arenaMax", M_ARENA_MAX);
  return Napi::Boolean::New(env, ok);
}

Napi::Value Trim(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}

void Init(Napi::Env env, Napi::Object exports) {
  Napi::Object m = Napi::Object::New(env);
  m.Set("tune", Napi::Function::New(env, Tune));
  m.Set("trim", Napi::Function::New(env, Trim));
  exports.Set("memory", m);
}

}  // namespace

static proctap::RegisterModule reg("memory", Init);
