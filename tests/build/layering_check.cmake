# SPDX-License-Identifier: Apache-2.0
# ctest "layering_check": the dependency direction of DESIGN.md, checked on the includes.
#   kernels: no Qt, no VTK, no LibTorch.  analysis, plugins, cli: no Qt, no VTK.
#   Public headers (*/include/): no LibTorch (it stays PRIVATE so dependents compile fast).
# Usage: cmake -DSOURCE_DIR=<repo> -P layering_check.cmake
set(_violations "")
function(check_dir dir pattern why)
    file(GLOB_RECURSE _files "${SOURCE_DIR}/${dir}/*.h" "${SOURCE_DIR}/${dir}/*.cpp" "${SOURCE_DIR}/${dir}/*.cu"
        "${SOURCE_DIR}/${dir}/*.cuh")
    foreach(f ${_files})
        file(STRINGS "${f}" _hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](${pattern})")
        if(_hits)
            file(RELATIVE_PATH _rel "${SOURCE_DIR}" "${f}")
            list(GET _hits 0 _first)
            string(STRIP "${_first}" _first)
            set(_violations "${_violations}\n  ${_rel}: ${_first}   (${why})" PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

set(_qt "Q[A-Z][A-Za-z]*[>\"]|Qt[A-Za-z]*/|vtk")
set(_torch "torch/|ATen/|c10/")
check_dir(kernels "${_qt}|${_torch}" "kernels depend on nothing but the CUDA runtime")
check_dir(analysis "${_qt}" "analysis never includes Qt or VTK")
check_dir(plugins "${_qt}" "plugins/api never includes Qt or VTK")
check_dir(cli "${_qt}" "the core-only CLI never includes Qt or VTK")
check_dir(analysis/include "${_torch}" "public headers keep LibTorch out")
check_dir(plugins/api/include "${_torch}" "public headers keep LibTorch out")
if(_violations)
    message(FATAL_ERROR "layering violations:${_violations}")
endif()
message(STATUS "layering ok")
