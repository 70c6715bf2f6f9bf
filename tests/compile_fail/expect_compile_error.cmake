# Builds one compile-fail target and checks that it fails for the advertised reason.
#
#   cmake -DBUILD_DIR=<top binary dir> -DTARGET=<name>_fail -DEXPECTED=<regex>
#         [-DNAMED=<regex><-><regex>...] [-DCONFIG=<config>] [-DMAX_LINES=39] -P expect_compile_error.cmake
#
# Passes (and prints "expect_compile_error: PASS") only when
#   - building TARGET fails,
#   - the compiler's output matches EXPECTED (our static_assert message, not just any error),
#   - each NAMED regex (the offending types, separated by "<->") matches within the first
#     FIRST_LINES (5) lines of output: the reader sees what is wrong without scrolling, and
#   - the compiler's output is at most MAX_LINES lines: a diagnostic is only useful if it is short.
# CTest looks for the PASS line, so nothing else this script prints may contain it.
cmake_minimum_required(VERSION 3.25)

foreach(required BUILD_DIR TARGET EXPECTED)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "expect_compile_error: pass -D${required}=...")
  endif()
endforeach()
if(NOT DEFINED MAX_LINES)
  set(MAX_LINES 39)
endif()
set(FIRST_LINES 5)

set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET} ${config_args}
  RESULT_VARIABLE build_result
  OUTPUT_VARIABLE build_output
  ERROR_VARIABLE build_output)  # one variable for both: stdout and stderr merged in order

# Colour codes (CMAKE_COLOR_DIAGNOSTICS, -fdiagnostics-color) would break the regex and the count.
string(ASCII 27 escape)
string(REGEX REPLACE "${escape}\\[[0-9;]*[A-Za-z]" "" build_output "${build_output}")

# Keep only what the compiler said: drop the build tool's progress, the echoed command line and
# its closing remarks. Semicolons and brackets are masked so that a line is one list element.
string(ASCII 1 semicolon)
string(ASCII 2 open_bracket)
string(ASCII 3 close_bracket)
string(REPLACE ";" "${semicolon}" masked "${build_output}")
string(REPLACE "[" "${open_bracket}" masked "${masked}")
string(REPLACE "]" "${close_bracket}" masked "${masked}")
string(REPLACE "\n" ";" lines "${masked}")
set(compiler_output "")
set(first_lines "\n")  # a name at the very start still has a character before it
set(compiler_lines 0)
foreach(line IN LISTS lines)
  string(REPLACE "${semicolon}" ";" line "${line}")
  string(REPLACE "${open_bracket}" "[" line "${line}")
  string(REPLACE "${close_bracket}" "]" line "${line}")
  if(line MATCHES "^[ \t\r]*$"                        # blank
     OR line MATCHES "^\\[[0-9 /%]+\\] "              # ninja "[1/2] ...", make "[ 50%] ..."
     OR line MATCHES "^FAILED: "                      # ninja
     OR line MATCHES "^ninja: "
     OR line MATCHES "^g?make(\\[[0-9]+\\])?: "       # make's "*** [...] Error 1" and directory notes
     OR line MATCHES "CHRONICLE_COMPILE_FAIL"         # the compile command itself
     OR line MATCHES "^(Consolidate compiler generated dependencies|Scanning dependencies|Re-running CMake)"
     OR line MATCHES "^-- ")                          # CMake re-running itself
    continue()
  endif()
  string(APPEND compiler_output "${line}\n")
  math(EXPR compiler_lines "${compiler_lines} + 1")
  if(compiler_lines LESS_EQUAL FIRST_LINES)
    string(APPEND first_lines "${line}\n")
  endif()
endforeach()

# The compiler's words first, as they are; then the verdict (FATAL_ERROR would rewrap the former).
message("${compiler_output}")
if(build_result EQUAL 0)
  message(FATAL_ERROR "expect_compile_error: ${TARGET} compiled, but it must not: the misuse is accepted")
endif()
if(NOT compiler_output MATCHES "${EXPECTED}")
  message(FATAL_ERROR "expect_compile_error: ${TARGET} failed to compile, but not with the expected message "
                      "(regex: ${EXPECTED}); ${compiler_lines} lines of compiler output above")
endif()
if(DEFINED NAMED AND NOT NAMED STREQUAL "")
  string(REPLACE "<->" ";" named_types "${NAMED}")
  foreach(type IN LISTS named_types)
    if(NOT first_lines MATCHES "${type}")
      message(FATAL_ERROR "expect_compile_error: ${TARGET} failed with the expected message, but its first "
                          "${FIRST_LINES} lines do not name `${type}`; make the diagnostic name the offending types")
    endif()
  endforeach()
endif()
if(compiler_lines GREATER MAX_LINES)
  message(FATAL_ERROR "expect_compile_error: ${TARGET} failed with the expected message, but in "
                      "${compiler_lines} lines of compiler output (at most ${MAX_LINES}); make the diagnostic shorter")
endif()
message("expect_compile_error: PASS: ${TARGET} was rejected with the expected message in ${compiler_lines} "
        "lines of compiler output (at most ${MAX_LINES})")
