// Addon entry point: exports what every registered feature file adds, and which features were built.
#include "module_registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Array features = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& m : proctap::Modules()) {
    m.second(env, exports);
    features.Set(i++, Napi::String::New(env, m.first));
  }
  exports.Set("features", features);
  return exports;
}

NODE_API_MODULE(proctap, Init)
