/* SPDX-License-Identifier: Apache-2.0 */
/* Test fixture: right ABI, manifest with an unknown family. */
#include "attnscope/plugin/attnscope_plugin.h"

ATTNSCOPE_PLUGIN_EXPORT uint32_t attnscope_plugin_abi_version(void) {
    return ATTNSCOPE_PLUGIN_ABI_VERSION;
}

ATTNSCOPE_PLUGIN_EXPORT const char* attnscope_plugin_manifest(void) {
    return "{\"id\": \"test.bad\", \"version\": \"1.0.0\", \"family\": \"telepathy\"}";
}
