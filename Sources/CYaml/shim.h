#ifndef WADIAL_CYAML_SHIM_H
#define WADIAL_CYAML_SHIM_H
#include <yaml.h>
#endif
