# SPDX-License-Identifier: Apache-2.0
# Resolves ATTNSCOPE_CUDA (AUTO/ON/OFF) and enables the CUDA language when it is on.
#
# AUTO turns CUDA on when nvcc is found: CMAKE_CUDA_COMPILER, CUDACXX, PATH, or the toolkit's
# standard prefixes (/usr/local/cuda, /usr/local/cuda-*), where Debian's CUDA installs without
# touching PATH. No GPU is needed to compile; the kernels report "no device" at run time.

# Annotated default architectures: sm_80 (A100, Ampere tensor-core mma), sm_90 (H100/H200, Hopper).
# CUDA 13 supports sm_75 and newer; add more with -DCMAKE_CUDA_ARCHITECTURES="75;80;90".
set(ATTNSCOPE_CUDA_DEFAULT_ARCHITECTURES "80;90")

set(ATTNSCOPE_CUDA_ENABLED OFF)
if(NOT ATTNSCOPE_CUDA STREQUAL "OFF")
    set(_nvcc "")
    if(CMAKE_CUDA_COMPILER)
        set(_nvcc "${CMAKE_CUDA_COMPILER}")
    elseif(DEFINED ENV{CUDACXX})
        set(_nvcc "$ENV{CUDACXX}")
    else()
        file(GLOB _versioned_prefixes LIST_DIRECTORIES true "/usr/local/cuda-*")
        list(SORT _versioned_prefixes COMPARE NATURAL ORDER DESCENDING)
        find_program(ATTNSCOPE_NVCC nvcc
            HINTS ENV CUDA_PATH
            PATHS /usr/local/cuda ${_versioned_prefixes}
            PATH_SUFFIXES bin)
        if(ATTNSCOPE_NVCC)
            set(_nvcc "${ATTNSCOPE_NVCC}")
        endif()
    endif()

    if(_nvcc)
        set(CMAKE_CUDA_COMPILER "${_nvcc}" CACHE FILEPATH "CUDA compiler" FORCE)
        if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
            set(CMAKE_CUDA_ARCHITECTURES "${ATTNSCOPE_CUDA_DEFAULT_ARCHITECTURES}" CACHE STRING
                "CUDA architectures (default: sm_80 Ampere, sm_90 Hopper)")
        endif()
        enable_language(CUDA)
        # C++17 for device code: CMake 3.25 has no CUDA20 dialect flags for nvcc.
        set(CMAKE_CUDA_STANDARD 17)
        set(CMAKE_CUDA_STANDARD_REQUIRED ON)
        find_package(CUDAToolkit REQUIRED)
        set(ATTNSCOPE_CUDA_ENABLED ON)
        message(STATUS "AttnScope: CUDA kernels enabled (${CMAKE_CUDA_COMPILER}, "
            "architectures ${CMAKE_CUDA_ARCHITECTURES})")
    elseif(ATTNSCOPE_CUDA STREQUAL "ON")
        message(FATAL_ERROR "ATTNSCOPE_CUDA=ON but nvcc was not found on PATH or under /usr/local/cuda*. "
            "Set CMAKE_CUDA_COMPILER to the nvcc path.")
    endif()
endif()
add_feature_info(CUDA ATTNSCOPE_CUDA_ENABLED "CUDA attention kernels (kernels/cuda)")
