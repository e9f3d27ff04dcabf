#ifndef GATEWAY_MEDIC_CYAML_SHIM_H
#define GATEWAY_MEDIC_CYAML_SHIM_H
#include <yaml.h>
#endif
