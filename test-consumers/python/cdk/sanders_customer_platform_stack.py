"""The stack of the Sanders Customer Platform: one `SandersBatchPlatform`.

Before the library, this package held seven construct modules (s3_bucket.py, dynamodb_table.py, ecr_repository.py,
vpc_network.py, batch_iam_roles.py, batch_environment.py, stepfunctions_statemachine.py); they are all in
`sanders.batch_platform` now.
"""
from typing import Any, List, Optional

import aws_cdk as cdk
from constructs import Construct
from sanders.batch_platform import MemoryTier, SandersBatchPlatform, WorkflowJob


class SandersCustomerPlatformStack(cdk.Stack):
    """`SandersCustomerPlatformStack-<environment>`: the batch platform with the original Python app's six outputs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: str = "dev",
        memory_tiers: Optional[List[MemoryTier]] = None,
        workflow: Optional[List[WorkflowJob]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"Sanders Customer Platform batch processing pipeline ({environment})",
            **kwargs,
        )
        # None leaves the library's defaults: the 2/8/16 GiB tiers and the
        # feature-extraction + data-processing -> model-training workflow.
        self.platform = SandersBatchPlatform(
            self,
            "Platform",
            environment=environment,
            memory_tiers=memory_tiers,
            workflow=workflow,
        )
