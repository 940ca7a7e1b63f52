// The whole CKKS engine in one include.
#pragma once
#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/context.h"
#include "hnn/ckks/device.h"
#include "hnn/ckks/encoder.h"
#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/evaluator.h"
#include "hnn/ckks/keygen.h"
#include "hnn/ckks/keys.h"
#include "hnn/ckks/parameters.h"
#include "hnn/ckks/serialization.h"
