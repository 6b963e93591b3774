// Early-return helpers for absl::Status / absl::StatusOr.
//
// Debian's Abseil (20220623) ships no status macros, so the project keeps its
// own two here. They only ever return the error unchanged: add context at the
// call site with absl::Status's message when a caller needs it.
//
// Thread safety: plain macros, no state.

#ifndef ARDOISE_COMMON_STATUS_MACROS_H_
#define ARDOISE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) once and returns it from the enclosing
// function when it is not OK.
//
//   ARDOISE_RETURN_IF_ERROR(db.Exec("DELETE FROM t"));
#define ARDOISE_RETURN_IF_ERROR(expr)                             \
  do {                                                            \
    ::absl::Status ardoise_status_macro_status_ = (expr);         \
    if (ABSL_PREDICT_FALSE(!ardoise_status_macro_status_.ok())) { \
      return ardoise_status_macro_status_;                        \
    }                                                             \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>) once; on error returns its status
// from the enclosing function, otherwise moves the value into `lhs`. `lhs` may
// declare a variable (`auto db`, `std::unique_ptr<Foo> foo`) or name an
// existing one. Because it expands to several statements it cannot be the
// lone body of an unbraced `if`.
//
//   ARDOISE_ASSIGN_OR_RETURN(auto db, Database::Open(path));
#define ARDOISE_ASSIGN_OR_RETURN(lhs, rexpr)                              \
  ARDOISE_STATUS_MACROS_ASSIGN_OR_RETURN_IMPL_(                           \
      ARDOISE_STATUS_MACROS_CONCAT_(ardoise_statusor_, __COUNTER__), lhs, \
      rexpr)

#define ARDOISE_STATUS_MACROS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                                 \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {                                \
    return std::move(statusor).status();                                   \
  }                                                                        \
  lhs = std::move(statusor).value()

#define ARDOISE_STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define ARDOISE_STATUS_MACROS_CONCAT_(a, b) \
  ARDOISE_STATUS_MACROS_CONCAT_INNER_(a, b)

#endif  // ARDOISE_COMMON_STATUS_MACROS_H_
