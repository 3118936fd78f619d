#!/usr/bin/env bash
# A Java team's CDK app on the Maven artifact, as that team would use it: test-consumers/java copied outside the
# repository, `mvn package` resolving com.sanders:batch-platform:<version> by its coordinates from the team's Maven
# repository (the file repository scripts/ci/publish-local.sh deployed it to with `mvn deploy:deploy-file`;
# aws-cdk-lib from Maven Central), then `cdk synth` (app: `mvn -e -q compile exec:java`) and checks of the templates
# (OwnResourcesPlatformStack, the newer props and methods, by scripts/ci/check-consumer.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export AWS_REGION="${AWS_REGION:-eu-central-1}" CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# shellcheck source=/dev/null
source .ci-work/registries/env
source scripts/ci/release-version.sh
jar=dist/java/com/sanders/batch-platform/$version/batch-platform-$version.jar
[ -f "$SANDERS_MAVEN_REPO/com/sanders/batch-platform/$version/batch-platform-$version.pom" ] || { echo "consumer-java: $version is not deployed to $SANDERS_MAVEN_REPO: run scripts/ci/publish-local.sh" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sanders-consumer-java.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r test-consumers/java "$work/app"
rm -rf "$work/app/target" "$work/app/cdk.out"

# Maven caches an artifact from a repository: drop the copy of an earlier build, so the app compiles against the
# jar just deployed.
local_repo=$(mvn -B -q help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g')
[ -d "$local_repo" ] || local_repo=$HOME/.m2/repository
rm -rf "$local_repo/com/sanders/batch-platform"

cd "$work/app"
echo "--- mvn package: com.sanders:batch-platform:$version from file://$SANDERS_MAVEN_REPO"
mvn -B -q package -Dsanders.repository="file://$SANDERS_MAVEN_REPO" -Dbatch-platform.version="$version"
cmp "$local_repo/com/sanders/batch-platform/$version/batch-platform-$version.jar" "$repo/$jar"

for env in dev prod; do
  echo "--- cdk synth -c environment=$env"
  "$repo/node_modules/.bin/cdk" synth -c environment="$env" -o "cdk.out.$env" --quiet \
    --app "mvn -B -e -q compile exec:java -Dsanders.repository=file://$SANDERS_MAVEN_REPO -Dbatch-platform.version=$version" > /dev/null
  "$repo/node_modules/.bin/ts-node" --transpile-only -P "$repo/tsconfig.dev.json" "$repo/scripts/ci/check-consumer.ts" consumer-java "cdk.out.$env" "$env"
done
echo "consumer-java: OK"
