// Wrapper module: builds the Pulumi CLI and the nodejs language host at the
// release of @pulumi/pulumi in package-lock.json (scripts/toolchain.ts keeps
// the two in step). Replace directives only apply in the main module, so the
// one pkg/go.mod needs (a clipboard fork) is repeated here; its local-path
// replaces are unnecessary because sdk/v3 is required at the same release.
module cdb-deploy/tools/pulumi

go 1.26.6

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool (
	github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
)

require (
	github.com/pulumi/pulumi/pkg/v3 v3.260.0
	github.com/pulumi/pulumi/sdk/v3 v3.260.0
	// The language host module has no tags: the pseudo-version of the v3.260.0 release commit.
	github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 v3.0.0-20260828095127-fe974d4f3069
)
