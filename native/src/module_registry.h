// Each native feature file registers an init function; addon.cc calls them all at load.
// Adding a native feature touches one new file.
#pragma once
#include <napi.h>
#include <utility>
#include <vector>

namespace proctap {
using InitFn = void (*)(Napi::Env env, Napi::Object exports);

inline std::vector<std::pair<const char*, InitFn>>& Modules() {
  static std::vector<std::pair<const char*, InitFn>> list;
  return list;
}

struct RegisterModule {
  RegisterModule(const char* name, InitFn fn) { Modules().emplace_back(name, fn); }
};
}  // namespace proctap
