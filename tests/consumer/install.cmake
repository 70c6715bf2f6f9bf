# Installs a chronicle build tree into a fresh prefix, as `cmake --install` does for users.
#   cmake -DBUILD_DIR=<top binary dir> -DPREFIX=<prefix> [-DCONFIG=<config>] -P install.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE ${PREFIX})  # a stale prefix could hide a file the install no longer provides
set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} ${config_args}
                COMMAND_ERROR_IS_FATAL ANY)

foreach(expected include/chronicle/chronicle.hpp include/chronicle/detail/variant.hpp
                 share/cmake/chronicle/chronicleConfig.cmake share/cmake/chronicle/chronicleConfigVersion.cmake
                 share/cmake/chronicle/chronicleTargets.cmake)
  if(NOT EXISTS ${PREFIX}/${expected})
    message(FATAL_ERROR "install: ${PREFIX}/${expected} is missing")
  endif()
endforeach()
message("consumer.install: chronicle installed into ${PREFIX}")
