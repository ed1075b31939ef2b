/* SPDX-License-Identifier: Apache-2.0 */
/* Test fixture: a minimal valid plugin (ABI and manifest only). */
#include "attnscope/plugin/attnscope_plugin.h"

ATTNSCOPE_PLUGIN_EXPORT uint32_t attnscope_plugin_abi_version(void) {
    return ATTNSCOPE_PLUGIN_ABI_VERSION;
}

ATTNSCOPE_PLUGIN_EXPORT const char* attnscope_plugin_manifest(void) {
    return "{\"id\": \"test.good\", \"version\": \"1.2.3\", \"family\": \"calibration\","
           " \"name\": \"Good test plugin\","
           " \"parameters\": [{\"name\": \"beta\", \"type\": \"float\", \"minimum\": 0, \"maximum\": 1,"
           " \"default\": 0.4, \"description\": \"sink scale\"}]}";
}
