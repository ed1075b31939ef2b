# SPDX-License-Identifier: Apache-2.0
# Third-party packages. Every optional one is reported with its purpose by feature_summary.
#
# Header-only dependencies can also come from a prefix at <source>/.deps (ignored by git), which is
# how a GPU host without Debian's packages gets them: scripts/bundle-host-deps fills it from this
# machine's packages, and the device run carries it.

if(EXISTS "${PROJECT_SOURCE_DIR}/.deps")
    list(APPEND CMAKE_PREFIX_PATH "${PROJECT_SOURCE_DIR}/.deps")
    set(ENV{PKG_CONFIG_PATH} "${PROJECT_SOURCE_DIR}/.deps/lib/pkgconfig:$ENV{PKG_CONFIG_PATH}")
endif()

find_package(Threads REQUIRED)

# LibTorch is required: analysis/runtime runs the projections, norms and MLPs with it.
find_package(Torch REQUIRED)
set_package_properties(Torch PROPERTIES TYPE REQUIRED
    PURPOSE "Tensor runtime for model forward passes (Debian libtorch-dev or a PyTorch install)")

# PCRE2 with Unicode properties: the GPT-2 / Llama 3 / Qwen pre-tokenizer regexes need \p{L}, \p{N}.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# libsentencepiece: the reference the SentencePiece tests compare against. It is never linked into
# AttnScope itself: Debian's build carries its own copy of protobuf-lite, which crashes at start-up in
# a process that also loads LibTorch's libprotobuf. AttnScope reads .model files itself.
pkg_check_modules(SENTENCEPIECE IMPORTED_TARGET sentencepiece)
# ICU: Unicode normalization (NFC) for tokenizers that declare it (Qwen). Optional: without it those
# tokenizers are refused with a message.
pkg_check_modules(ICU IMPORTED_TARGET icu-uc)
add_feature_info(ICU ICU_FOUND "Unicode normalization for tokenizer.json normalizers (libicu-dev)")

find_package(SQLite3)
set_package_properties(SQLite3 PROPERTIES TYPE RECOMMENDED PURPOSE "Project files (.attnscope): libsqlite3-dev")
find_package(ZLIB)
set_package_properties(ZLIB PROPERTIES TYPE RECOMMENDED PURPOSE "Compressed arrays in projects: zlib1g-dev")

find_package(CLI11 CONFIG)
set_package_properties(CLI11 PROPERTIES TYPE RECOMMENDED PURPOSE "Command-line parsing for attnscope-cli")
find_package(nlohmann_json 3.10 CONFIG)
set_package_properties(nlohmann_json PROPERTIES TYPE RECOMMENDED
    PURPOSE "JSON for plugin manifests and the CLI's --json output")

# Studio: Qt 6 widgets and VTK rendering. VTK 9.1 on Debian links MPI, so MPI must be found first
# (PLATFORM.md), and only the rendering modules are requested (its Qt module is built for Qt 5).
set(ATTNSCOPE_STUDIO_ENABLED OFF)
if(NOT ATTNSCOPE_STUDIO STREQUAL "OFF")
    find_package(Qt6 6.4 COMPONENTS Widgets OpenGLWidgets Svg Test Concurrent)
    set_package_properties(Qt6 PROPERTIES TYPE OPTIONAL PURPOSE "The studio's user interface")
    if(Qt6_FOUND)
        find_package(MPI COMPONENTS C)
        if(MPI_C_FOUND)
            find_package(VTK 9.1 COMPONENTS RenderingOpenGL2 RenderingCore InteractionStyle
                RenderingFreeType RenderingUI RenderingAnnotation FiltersSources FiltersGeneral CommonColor)
        endif()
        set_package_properties(VTK PROPERTIES TYPE OPTIONAL PURPOSE "3D views in the studio")
    endif()
    if(Qt6_FOUND AND VTK_FOUND)
        set(ATTNSCOPE_STUDIO_ENABLED ON)
    elseif(ATTNSCOPE_STUDIO STREQUAL "ON")
        message(FATAL_ERROR "ATTNSCOPE_STUDIO=ON but Qt 6 (Widgets, OpenGLWidgets, Svg, Test, Concurrent) or VTK 9 "
            "was not found. Run scripts/setup, or configure with -DATTNSCOPE_STUDIO=OFF.")
    endif()
endif()
add_feature_info(Studio ATTNSCOPE_STUDIO_ENABLED "Qt 6 + VTK desktop studio (attnscope-studio)")

set(ATTNSCOPE_TESTS_ENABLED OFF)
if(NOT ATTNSCOPE_TESTS STREQUAL "OFF")
    find_package(GTest)
    if(NOT GTest_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.deps/googletest/CMakeLists.txt")
        # A GPU host has no GoogleTest package: build the sources bundled into .deps.
        set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
        add_subdirectory("${PROJECT_SOURCE_DIR}/.deps/googletest" "${PROJECT_BINARY_DIR}/googletest"
            EXCLUDE_FROM_ALL SYSTEM)
        if(NOT TARGET GTest::gtest) # GoogleTest >= 1.11 defines the namespaced aliases itself
            add_library(GTest::gtest ALIAS gtest)
            add_library(GTest::gtest_main ALIAS gtest_main)
        endif()
        set(GTest_FOUND ON)
    endif()
    set_package_properties(GTest PROPERTIES TYPE OPTIONAL PURPOSE "Unit tests of the core and kernels")
    if(GTest_FOUND)
        set(ATTNSCOPE_TESTS_ENABLED ON)
    elseif(ATTNSCOPE_TESTS STREQUAL "ON")
        message(FATAL_ERROR "ATTNSCOPE_TESTS=ON but GoogleTest was not found. Run scripts/setup.")
    endif()
endif()
add_feature_info(Tests ATTNSCOPE_TESTS_ENABLED "GoogleTest and Qt Test suites (ctest)")

set(ATTNSCOPE_BENCH_ENABLED OFF)
if(NOT ATTNSCOPE_BENCH STREQUAL "OFF")
    find_package(benchmark)
    set_package_properties(benchmark PROPERTIES TYPE OPTIONAL PURPOSE "Benchmarks in bench/")
    if(benchmark_FOUND)
        set(ATTNSCOPE_BENCH_ENABLED ON)
    elseif(ATTNSCOPE_BENCH STREQUAL "ON")
        message(FATAL_ERROR "ATTNSCOPE_BENCH=ON but Google Benchmark was not found. Run scripts/setup.")
    endif()
endif()
add_feature_info(Benchmarks ATTNSCOPE_BENCH_ENABLED "Google Benchmark programs (bench/)")

# Real test data (../shared/data beside the clone in CI and in developer checkouts).
set(ATTNSCOPE_SHARED_DATA_DIR "${PROJECT_SOURCE_DIR}/../shared/data" CACHE PATH
    "The shared data folder (GGUF vocabularies, eye-tracking recordings)")
