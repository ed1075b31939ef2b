# SPDX-License-Identifier: Apache-2.0
# ctest "format_check": fails when a source file differs from .clang-format. Fix with:
#   clang-format -i $(git ls-files '*.cpp' '*.h' '*.c' '*.cu' '*.cuh')
# Usage: cmake -DCLANG_FORMAT=<exe> -DSOURCE_DIR=<repo> -P check_format.cmake
set(_files "")
foreach(dir kernels analysis plugins cli studio tests bench)
    file(GLOB_RECURSE _found "${SOURCE_DIR}/${dir}/*.cpp" "${SOURCE_DIR}/${dir}/*.h" "${SOURCE_DIR}/${dir}/*.c"
        "${SOURCE_DIR}/${dir}/*.cu" "${SOURCE_DIR}/${dir}/*.cuh")
    list(APPEND _files ${_found})
endforeach()
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${_files}
    RESULT_VARIABLE _result ERROR_VARIABLE _errors)
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "clang-format found unformatted code:\n${_errors}")
endif()
list(LENGTH _files _count)
message(STATUS "${_count} files formatted as .clang-format says")
