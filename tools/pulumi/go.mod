// Wrapper module: builds the Pulumi CLI and the nodejs language host at one
// release. Replace directives only apply in the main module, so the ones
// pkg/go.mod needs (a clipboard fork) are repeated here; the local-path ones
// are unnecessary because sdk/v3 is required at the same release.
module cdb-deploy/tools/pulumi

go 1.26.6

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

require (
	github.com/pulumi/pulumi/pkg/v3 v3.260.0
	github.com/pulumi/pulumi/sdk/v3 v3.260.0
)
