# SPDX-License-Identifier: Apache-2.0
# Build options, warnings, sanitizers and compiler caching shared by every target.

set(ATTNSCOPE_STUDIO AUTO CACHE STRING "Build the Qt 6 + VTK studio (AUTO: when Qt 6 and VTK are found)")
set_property(CACHE ATTNSCOPE_STUDIO PROPERTY STRINGS AUTO ON OFF)
set(ATTNSCOPE_CUDA AUTO CACHE STRING "Build CUDA kernels (AUTO: when nvcc is found, on PATH or in /usr/local/cuda)")
set_property(CACHE ATTNSCOPE_CUDA PROPERTY STRINGS AUTO ON OFF)
set(ATTNSCOPE_TESTS AUTO CACHE STRING "Build the tests (AUTO: when GoogleTest is found)")
set_property(CACHE ATTNSCOPE_TESTS PROPERTY STRINGS AUTO ON OFF)
set(ATTNSCOPE_BENCH AUTO CACHE STRING "Build the benchmarks (AUTO: when Google Benchmark is found)")
set_property(CACHE ATTNSCOPE_BENCH PROPERTY STRINGS AUTO ON OFF)
option(ATTNSCOPE_ASAN "Build with AddressSanitizer" OFF)
option(ATTNSCOPE_UBSAN "Build with UndefinedBehaviorSanitizer" OFF)
option(ATTNSCOPE_FUZZ "Build libFuzzer targets (needs clang)" OFF)
option(ATTNSCOPE_WERROR "Treat warnings as errors" OFF)
option(ATTNSCOPE_CCACHE "Use ccache when it is installed" ON)

add_feature_info(ASan ATTNSCOPE_ASAN "AddressSanitizer instrumentation")
add_feature_info(UBSan ATTNSCOPE_UBSAN "UndefinedBehaviorSanitizer instrumentation")
add_feature_info(Fuzzers ATTNSCOPE_FUZZ "libFuzzer targets for every parser (tests/fuzz)")

if(ATTNSCOPE_CCACHE)
    find_program(ATTNSCOPE_CCACHE_PROGRAM ccache)
    if(ATTNSCOPE_CCACHE_PROGRAM)
        foreach(lang C CXX CUDA)
            if(NOT CMAKE_${lang}_COMPILER_LAUNCHER)
                set(CMAKE_${lang}_COMPILER_LAUNCHER "${ATTNSCOPE_CCACHE_PROGRAM}")
            endif()
        endforeach()
    endif()
endif()

# Flags every AttnScope target gets (not third-party code): attach with attnscope_target_defaults().
add_library(attnscope_build_flags INTERFACE)
add_library(attnscope::build_flags ALIAS attnscope_build_flags)
target_compile_options(attnscope_build_flags INTERFACE
    $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>
    $<$<AND:$<BOOL:${ATTNSCOPE_WERROR}>,$<COMPILE_LANGUAGE:CXX>>:-Werror>)

set(_sanitizers "")
if(ATTNSCOPE_ASAN)
    list(APPEND _sanitizers address)
endif()
if(ATTNSCOPE_UBSAN)
    list(APPEND _sanitizers undefined)
endif()
if(_sanitizers)
    list(JOIN _sanitizers "," _sanitizer_list)
    target_compile_options(attnscope_build_flags INTERFACE
        $<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=${_sanitizer_list} -fno-sanitize-recover=all -fno-omit-frame-pointer>)
    target_link_options(attnscope_build_flags INTERFACE -fsanitize=${_sanitizer_list})
endif()

# Fuzzing instruments every AttnScope target for coverage; only fuzz_* executables link the driver.
if(ATTNSCOPE_FUZZ)
    target_compile_options(attnscope_build_flags INTERFACE $<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>)
endif()

function(attnscope_target_defaults target)
    target_link_libraries(${target} PRIVATE attnscope::build_flags)
endfunction()
