# SPDX-License-Identifier: Apache-2.0
# ctest "core_only_build": configures and builds the core-only configuration with Qt 6 and VTK made
# unfindable (as on a GPU host), then runs the CLI it produced. Proves the core needs no GUI stack.
# Usage: cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch build dir> -P core_only_check.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -G Ninja
        -DCMAKE_BUILD_TYPE=Release -DATTNSCOPE_STUDIO=AUTO -DATTNSCOPE_TESTS=OFF -DATTNSCOPE_BENCH=OFF
        -DCMAKE_DISABLE_FIND_PACKAGE_Qt6=ON -DCMAKE_DISABLE_FIND_PACKAGE_VTK=ON
    RESULT_VARIABLE _configure OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _configure EQUAL 0)
    message(FATAL_ERROR "core-only configure failed:\n${_out}\n${_err}")
endif()
if(NOT _out MATCHES "Studio, Qt 6 \\+ VTK desktop studio" OR _out MATCHES "-- The following features have been enabled:[^-]*Studio")
    message(FATAL_ERROR "the studio was not reported as disabled:\n${_out}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR} --target attnscope-cli
    RESULT_VARIABLE _build OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _build EQUAL 0)
    message(FATAL_ERROR "core-only build failed:\n${_out}\n${_err}")
endif()
execute_process(COMMAND ${WORK_DIR}/cli/attnscope-cli info --json RESULT_VARIABLE _run OUTPUT_VARIABLE _json)
if(NOT _run EQUAL 0 OR NOT _json MATCHES "\"studio\": false")
    message(FATAL_ERROR "the core-only CLI did not run or claims a studio:\n${_json}")
endif()
file(GLOB_RECURSE _qt_objects "${WORK_DIR}/studio/*")
if(_qt_objects)
    message(FATAL_ERROR "core-only built studio files: ${_qt_objects}")
endif()
message(STATUS "core-only configuration builds and runs without Qt and VTK")
file(REMOVE_RECURSE "${WORK_DIR}")
