// libinjection binding for @detectSQLi / @detectXSS. Debian ships no libinjection package, but
// libmodsecurity3 exports its C API, so we declare the two entry points we use and link that .so.
#include "module_registry.h"

#ifdef PROCTAP_HAVE_LIBINJECTION
#include <cstddef>
extern "C" {
int libinjection_sqli(const char* s, size_t slen, char fingerprint[]);
int libinjection_xss(const char* s, size_t slen);
const char* libinjection_version(void);
}

namespace {

// detectSqli(buf: Buffer): string | null  -> the fingerprint when it is SQLi, else null.
Napi::Value DetectSqli(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "detectSqli(buffer)").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto buf = info[0].As<Napi::Buffer<char>>();
  char fp[8] = {0};
  int issqli = libinjection_sqli(buf.Data(), buf.Length(), fp);
  if (!issqli) return env.Null();
  return Napi::String::New(env, fp);
}

// detectXss(buf: Buffer): boolean
Napi::Value DetectXss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "detectXss(buffer)").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto buf = info[0].As<Napi::Buffer<char>>();
  return Napi::Boolean::New(env, libinjection_xss(buf.Data(), buf.Length()) != 0);
}

void Init(Napi::Env env, Napi::Object exports) {
  Napi::Object li = Napi::Object::New(env);
  li.Set("detectSqli", Napi::Function::New(env, DetectSqli));
  li.Set("detectXss", Napi::Function::New(env, DetectXss));
  li.Set("version", Napi::String::New(env, libinjection_version()));
  exports.Set("libinjection", li);
}

proctap::RegisterModule reg("libinjection", Init);
}  // namespace
#endif
