# The README's install, run as a user runs it on a machine with only the library's dependencies:
#   cmake -S <checkout> -B <build>
#   cmake --install <build> --prefix <prefix>
# doctest and Google Benchmark are hidden from that configure (CMAKE_DISABLE_FIND_PACKAGE_<name>), so
# it must turn the tests and benchmarks off and say so. Nothing is built: the install is headers and
# CMake files. Our generator is passed because the default one (make) need not be installed.
#   cmake -DSOURCE_DIR=<checkout> -DBUILD_DIR=<scratch dir> -DPREFIX=<prefix> -DGENERATOR=<generator>
#         [-DMAKE_PROGRAM=<its program>] [-DBOOST_DIR=<Boost_DIR>] [-DCOMPONENTS=json;sqlite;postgres] -P install.cmake
cmake_minimum_required(VERSION 3.25)

# From scratch: a stale cache or prefix could hide what a fresh checkout does.
file(REMOVE_RECURSE ${BUILD_DIR} ${PREFIX})
set(configure_args -G ${GENERATOR} -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(BOOST_DIR)
  list(APPEND configure_args -DBoost_DIR=${BOOST_DIR})  # where the Boost we were built with lives
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} ${configure_args}
                OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "install: `cmake -S ${SOURCE_DIR} -B ${BUILD_DIR}` failed without doctest and Google Benchmark:\n${out}")
endif()
foreach(expected "doctest 2.4 not found, so the tests are off" "Google Benchmark not found, so the benchmarks are off")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "install: the configure did not say \"${expected}\":\n${out}")
  endif()
endforeach()

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} COMMAND_ERROR_IS_FATAL ANY)

set(expected_files include/chronicle/chronicle.hpp include/chronicle/detail/variant.hpp
    share/cmake/chronicle/chronicleConfig.cmake share/cmake/chronicle/chronicleConfigVersion.cmake
    share/cmake/chronicle/chronicleTargets.cmake)
if("json" IN_LIST COMPONENTS)
  list(APPEND expected_files share/cmake/chronicle/chronicleJsonTargets.cmake)
endif()
if("sqlite" IN_LIST COMPONENTS)
  list(APPEND expected_files share/cmake/chronicle/chronicleSqliteTargets.cmake include/chronicle/sqlite/store.hpp)
endif()
if("postgres" IN_LIST COMPONENTS)
  list(APPEND expected_files share/cmake/chronicle/chroniclePostgresTargets.cmake include/chronicle/postgres/store.hpp)
endif()
foreach(expected IN LISTS expected_files)
  if(NOT EXISTS ${PREFIX}/${expected})
    message(FATAL_ERROR "install: ${PREFIX}/${expected} is missing")
  endif()
endforeach()
# Only headers and CMake files: a stray library or program would mean the install built something.
file(GLOB_RECURSE installed RELATIVE ${PREFIX} ${PREFIX}/*)
list(FILTER installed EXCLUDE REGEX "^include/chronicle/.*\\.hpp$|^share/cmake/chronicle/[A-Za-z-]+\\.cmake$")
if(installed)
  message(FATAL_ERROR "install: ${PREFIX} holds more than headers and CMake files: ${installed}")
endif()
message("consumer.install: chronicle configured without doctest and Google Benchmark, installed into ${PREFIX}")
