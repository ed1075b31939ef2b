/* SPDX-License-Identifier: Apache-2.0 */
/* The plugin C ABI. A plugin is a shared library exporting the entry points below and carrying a
 * JSON manifest. The host reads attnscope_plugin_abi_version() before anything else and refuses a
 * plugin built for another ABI. No C++ type crosses this boundary and no call may throw.
 *
 * Versioning (plotjuggler_sdk / ggml backend registry): the ABI version changes only when an
 * existing declaration changes. Family vtables carry struct_size and protocol_version and grow only
 * by appending slots, so a newer host can tell which slots an older plugin provides. */
#ifndef ATTNSCOPE_PLUGIN_H
#define ATTNSCOPE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version of this header. */
#define ATTNSCOPE_PLUGIN_ABI_VERSION 1u

#if defined(_WIN32)
#define ATTNSCOPE_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ATTNSCOPE_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/** Result of every plugin call. */
typedef enum attnscope_status_code {
    ATTNSCOPE_STATUS_OK = 0,
    ATTNSCOPE_STATUS_INVALID_ARGUMENT = 1,
    ATTNSCOPE_STATUS_UNSUPPORTED = 2,
    ATTNSCOPE_STATUS_OUT_OF_MEMORY = 3,
    ATTNSCOPE_STATUS_CANCELLED = 4,
    ATTNSCOPE_STATUS_INTERNAL = 5
} attnscope_status_code;

/** Error out-parameter filled by a failing call: a code and a NUL-terminated message. */
typedef struct attnscope_error {
    int32_t code;
    char message[1024];
} attnscope_error;

/** Plugin families; each has its own vtable and hook in the runtime (DESIGN.md, "Interventions"). */
typedef enum attnscope_plugin_family {
    ATTNSCOPE_PLUGIN_FAMILY_CALIBRATION = 1,
    ATTNSCOPE_PLUGIN_FAMILY_SHARING = 2,
    ATTNSCOPE_PLUGIN_FAMILY_SPARSE_PREFILL = 3,
    ATTNSCOPE_PLUGIN_FAMILY_KV_POLICY = 4
} attnscope_plugin_family;

/** Names of the exported entry points, for dlsym. */
#define ATTNSCOPE_PLUGIN_ABI_VERSION_SYMBOL "attnscope_plugin_abi_version"
#define ATTNSCOPE_PLUGIN_MANIFEST_SYMBOL "attnscope_plugin_manifest"

/** [thread-safe] Returns ATTNSCOPE_PLUGIN_ABI_VERSION as the plugin was compiled. */
typedef uint32_t (*attnscope_plugin_abi_version_fn)(void);
/** [thread-safe] Returns the plugin's JSON manifest (static storage, UTF-8). See docs/plugins.md. */
typedef const char* (*attnscope_plugin_manifest_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ATTNSCOPE_PLUGIN_H */
