// The S3 lifecycle configuration body (Get/PutBucketLifecycleConfiguration)
// as XML, both ways.
//
// Parsing is strict as in s3_xml.h (MalformedXML for anything the schema
// does not allow: an unknown element, a rule without <Status> or without a
// <Filter> or <Prefix>, a <Filter> with more than one condition outside
// <And>, non-numeric days, an unparsable <Date>). A rule holding
// <Transition> or <NoncurrentVersionTransition> is NotImplemented (the
// array has no storage classes to move objects to yet), checked before
// anything else so such a configuration never half-applies. What parses is
// then validated by services::validate_lifecycle_configuration()
// (InvalidArgument), which the service runs again when it stores it.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "services/objects/lifecycle_configuration.h"

namespace skyarray::s3 {

Result<services::LifecycleConfiguration> parse_lifecycle_configuration(std::string_view xml);

// The configuration as S3 answers GetBucketLifecycleConfiguration: each
// filter in the form it was put in.
std::string lifecycle_configuration_xml(const services::LifecycleConfiguration& config);

}  // namespace skyarray::s3
