/* SPDX-License-Identifier: Apache-2.0 */
/* Test fixture: a plugin compiled against a future ABI; the host must refuse it before reading more. */
#include "attnscope/plugin/attnscope_plugin.h"

ATTNSCOPE_PLUGIN_EXPORT uint32_t attnscope_plugin_abi_version(void) {
    return ATTNSCOPE_PLUGIN_ABI_VERSION + 41u;
}

ATTNSCOPE_PLUGIN_EXPORT const char* attnscope_plugin_manifest(void) {
    return "{\"id\": \"test.future\", \"version\": \"9.0.0\", \"family\": \"sharing\"}";
}
