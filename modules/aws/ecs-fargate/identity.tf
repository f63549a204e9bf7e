
# Identities (appended to the module's main.tf). Every task has an execution role, which ECS uses to start
# it: pull its image from its ECR repository, write its log group, read exactly its secrets (and decrypt
# them with kms_key_arn), nothing else; and a task role the application runs as, without policies (the
# service_identities output: a root grants it what the application needs). Each job's schedule has a role
# of its own that may run that job's task definition in this cluster and pass it its two roles.

locals {
  # An ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag | @digest].
  ecr_repository_arns = { for key, task in local.tasks : key => [
    for match in regexall("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)", task.image) :
    "arn:${local.partition}:ecr:${match[1]}:${match[0]}:repository/${match[2]}"
  ] }

  # A secret's ARN, without the JSON key, version stage and version id a valueFrom may append.
  secret_arns = { for key, task in local.tasks : key => sort(distinct([for arn in values(task.secrets) : join(":", slice(split(":", arn), 0, 7))])) }

  execution_statements = { for key, task in local.tasks : key => concat(
    [for arn in local.ecr_repository_arns[key] : {
      Sid      = "PullImage"
      Effect   = "Allow"
      Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      Resource = arn
    }],
    [for arn in local.ecr_repository_arns[key] : {
      Sid      = "RegistryLogin"
      Effect   = "Allow"
      Action   = "ecr:GetAuthorizationToken"
      Resource = "*"
    }],
    [{
      Sid      = "WriteLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_names[key]}:*"
    }],
    [for arns in [local.secret_arns[key]] : {
      Sid      = "ReadOwnSecrets"
      Effect   = "Allow"
      Action   = "secretsmanager:GetSecretValue"
      Resource = arns
    } if length(arns) > 0],
    [for arn in [var.kms_key_arn] : {
      Sid       = "DecryptOwnSecrets"
      Effect    = "Allow"
      Action    = "kms:Decrypt"
      Resource  = arn
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
    } if arn != null && length(local.secret_arns[key]) > 0],
  ) }

  # ECS assumes the execution role to start a task (only a principal of this account may pass it the role);
  # the task role is assumed for this account's tasks only, the condition AWS documents for task roles.
  execution_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  task_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*" }
      }
    }]
  })
}

resource "aws_iam_role" "execution" {
  for_each = local.tasks

  name_prefix        = substr("${var.name}-${each.key}-exec-", 0, 38)
  description        = "ECS starts ${var.name} ${each.key}: image pull, logs, its secrets"
  assume_role_policy = local.execution_trust

  tags = var.tags
}

resource "aws_iam_role_policy" "execution" {
  for_each = local.tasks

  name = "start-task"
  role = aws_iam_role.execution[each.key].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.execution_statements[each.key]
  })
}

resource "aws_iam_role" "task" {
  for_each = local.tasks

  name_prefix        = substr("${var.name}-${each.key}-task-", 0, 38)
  description        = "The application ${var.name} ${each.key} runs as"
  assume_role_policy = local.task_trust

  tags = var.tags
}

resource "aws_iam_role" "scheduler" {
  for_each = var.jobs

  name_prefix = substr("${var.name}-${each.key}-sched-", 0, 38)
  description = "EventBridge Scheduler runs the job ${var.name} ${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        # Scheduler names the schedule's group, never the schedule itself.
        ArnEquals = { "aws:SourceArn" = "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule-group/${var.name}" }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  for_each = var.jobs

  name = "run-job"
  role = aws_iam_role.scheduler[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "RunJobTask"
        Effect    = "Allow"
        Action    = "ecs:RunTask"
        Resource  = "${aws_ecs_task_definition.this[each.key].arn_without_revision}:*"
        Condition = { ArnEquals = { "ecs:cluster" = aws_ecs_cluster.this.arn } }
      },
      {
        Sid       = "TagJobTask"
        Effect    = "Allow"
        Action    = "ecs:TagResource"
        Resource  = "*"
        Condition = { StringEquals = { "ecs:CreateAction" = "RunTask" } }
      },
      {
        Sid       = "PassJobRoles"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = [aws_iam_role.execution[each.key].arn, aws_iam_role.task[each.key].arn]
        Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } }
      },
    ]
  })
}
