# The agent's static link (issue #7): ardoise-agent runs on every device, and
# an idle agent's resident memory was mostly the pages it had mapped of a dozen
# shared libraries (gRPC, OpenSSL, protobuf, SQLite, libstdc++, Abseil).
# Linked against Debian's static archives with unused sections dropped, the
# agent maps only the code it links, laid out in one file, and has no
# relocated library data. glibc stays dynamic (NSS for getaddrinfo, dlopen).
#
# ardoise_third_party(TARGET SCOPE DEPS...) links third-party DEPS into one of
# our libraries: the shared libraries for every program, except a program
# that sets the ARDOISE_STATIC_LINK property (ardoise_static_link), which
# gets ardoise_static_deps, the same libraries as static archives, instead.
# Headers are all under /usr/include, so compiling needs nothing of DEPS.
#
# ardoise_static_link(TARGET) makes TARGET one such program, when
# ARDOISE_STATIC_AGENT is on.

if(ARDOISE_SANITIZE OR ARDOISE_FUZZ)
  set(_ardoise_static_default OFF)  # the sanitizer runtimes want shared libs
else()
  set(_ardoise_static_default ON)
endif()
option(ARDOISE_STATIC_AGENT
  "Link ardoise-agent against static archives, unused sections dropped"
  ${_ardoise_static_default})
if(ARDOISE_STATIC_AGENT AND (ARDOISE_SANITIZE OR ARDOISE_FUZZ))
  message(FATAL_ERROR "ARDOISE_STATIC_AGENT does not go with the sanitizer "
    "or fuzzing builds: configure with -DARDOISE_STATIC_AGENT=OFF")
endif()

add_library(ardoise_static_deps INTERFACE)
if(ARDOISE_STATIC_AGENT)
  # pkg-config --static gives the whole closure, in a rough order; the
  # archives go in one group, so the order does not matter.
  pkg_check_modules(ARDOISE_STATIC REQUIRED
    grpc++ protobuf openssl sqlite3 libsodium
    absl_base absl_civil_time absl_status absl_statusor absl_str_format
    absl_strings absl_synchronization absl_time)
  # glibc's libraries (and libatomic, unused on x86-64) stay shared.
  set(_ardoise_shared_only c dl m pthread rt atomic)
  set(_ardoise_archives)
  set(_ardoise_shared)
  set(_ardoise_names ${ARDOISE_STATIC_STATIC_LIBRARIES})
  list(REMOVE_DUPLICATES _ardoise_names)
  foreach(name IN LISTS _ardoise_names)
    if(name IN_LIST _ardoise_shared_only)
      list(APPEND _ardoise_shared ${name})
      continue()
    endif()
    string(MAKE_C_IDENTIFIER "ARDOISE_STATIC_LIB_${name}" var)
    find_library(${var} NAMES lib${name}.a
      HINTS ${ARDOISE_STATIC_STATIC_LIBRARY_DIRS})
    if(NOT ${var})
      message(FATAL_ERROR "ARDOISE_STATIC_AGENT: no static archive lib${name}.a "
        "(pkg-config --static names it for the agent). Install the -dev "
        "package that ships it (dpkg -S lib${name}.so), or configure with "
        "-DARDOISE_STATIC_AGENT=OFF.")
    endif()
    list(APPEND _ardoise_archives ${${var}})
  endforeach()
  target_link_libraries(ardoise_static_deps INTERFACE
    "$<LINK_GROUP:RESCAN,${_ardoise_archives}>" ${_ardoise_shared}
    Threads::Threads)
  list(LENGTH _ardoise_archives _ardoise_count)
  message(STATUS "ardoise-agent: static link with ${_ardoise_count} archives")

  # Our own code in sections of its own, so the linker can drop what the
  # agent does not call.
  add_compile_options(-ffunction-sections -fdata-sections)
endif()

function(ardoise_third_party target scope)
  foreach(dep IN LISTS ARGN)
    target_link_libraries(${target} ${scope}
      "$<IF:$<BOOL:$<TARGET_PROPERTY:ARDOISE_STATIC_LINK>>,ardoise_static_deps,${dep}>")
  endforeach()
endfunction()

function(ardoise_static_link target)
  if(NOT ARDOISE_STATIC_AGENT)
    return()
  endif()
  set_target_properties(${target} PROPERTIES ARDOISE_STATIC_LINK ON)
  # Not position-independent: the archives' vtables and other pointer tables
  # then need no relocation at start, and stay clean pages of the file
  # instead of private copies (~0.8 MiB less resident than PIE).
  target_link_options(${target} PRIVATE -no-pie
    -static-libstdc++ -static-libgcc LINKER:--gc-sections LINKER:--as-needed)
endfunction()
