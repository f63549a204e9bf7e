# Serverless containers: one ECS cluster (Container Insights on) running each service as a Fargate
# service in the private subnets behind an Application Load Balancer (security.tf), scaled on CPU
# between its min_instances and max_instances, and each job as a Fargate task that EventBridge
# Scheduler starts on its cron. Every task logs to a CloudWatch log group of its own; its roles are
# in identity.tf.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Services and jobs alike run as tasks: one task definition, log group, security group and pair of roles each.
  tasks = merge(
    { for key, service in var.services : key => {
      image      = service.image
      cpu        = service.cpu
      memory_mib = service.memory_mib
      env        = service.env
      secrets    = service.secrets
      command    = tolist([])
      port       = service.port
      writable   = service.writable_paths
    } },
    { for key, job in var.jobs : key => {
      image      = job.image
      cpu        = job.cpu
      memory_mib = job.memory_mib
      env        = job.env
      secrets    = job.secrets
      command    = job.command
      port       = null
      writable   = job.writable_paths
    } },
  )

  # Memory sizes (MiB) Fargate allows per task CPU size (1024 units = 1 vCPU).
  fargate_memory_mib = {
    "256"   = [512, 1024, 2048]
    "512"   = range(1024, 4097, 1024)
    "1024"  = range(2048, 8193, 1024)
    "2048"  = range(4096, 16385, 1024)
    "4096"  = range(8192, 30721, 1024)
    "8192"  = range(16384, 61441, 4096)
    "16384" = range(32768, 122881, 8192)
  }
  task_cpu = { for key, task in local.tasks : key => tostring(task.cpu * 1024) }
  # The smallest size at or above the request: 1 vCPU with 512 MiB runs with 2048 MiB.
  task_memory = { for key, task in local.tasks :
    key => tostring(min([for size in local.fargate_memory_mib[local.task_cpu[key]] : size if size >= task.memory_mib]...))
  }

  log_group_names = { for key in keys(local.tasks) : key => "/ecs/${var.name}/${key}" }

  # Each writable directory is a volume on the task's ephemeral storage, named after its path (/var/cache/nginx:
  # var-cache-nginx; /tmp keeps the name tmp).
  volume_names = { for key, task in local.tasks : key => {
    for path in distinct(task.writable) : path => replace(trim(path, "/"), "/[^A-Za-z0-9_-]/", "-")
  } }

  # Read-only root filesystem with the writable directories mounted. Empty lists and empty environment values
  # are left out: ECS drops them, and Terraform would then plan a new revision every time.
  containers = { for key, task in local.tasks : key => merge(
    {
      name                   = key
      image                  = task.image
      essential              = true
      readonlyRootFilesystem = true
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = local.log_group_names[key]
          awslogs-region        = local.region
          awslogs-stream-prefix = key
        }
      }
    },
    { for attribute, value in {
      portMappings = task.port == null ? [] : [{ containerPort = task.port, protocol = "tcp" }]
      mountPoints  = [for path, volume in local.volume_names[key] : { sourceVolume = volume, containerPath = path, readOnly = false }]
      command      = task.command
      environment  = [for variable, setting in task.env : { name = variable, value = setting } if setting != ""]
      secrets      = [for variable, arn in task.secrets : { name = variable, valueFrom = arn }]
    } : attribute => value if length(value) > 0 },
  ) }
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "task" {
  for_each = local.tasks

  name              = local.log_group_names[each.key]
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.tasks

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = local.task_cpu[each.key]
  memory                   = local.task_memory[each.key]
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  container_definitions    = jsonencode([local.containers[each.key]])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  dynamic "volume" {
    for_each = toset(values(local.volume_names[each.key]))

    content {
      name = volume.value
    }
  }

  # Keep earlier revisions registered: the deployment circuit breaker rolls a failed deployment back to one.
  skip_destroy = true

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(setintersection(keys(var.services), keys(var.jobs))) == 0
      error_message = "A job cannot share its name with a service: both name a task definition family and a log group."
    }

    precondition {
      condition = alltrue([for path in local.tasks[each.key].writable : startswith(path, "/") && trim(path, "/") != ""]) && (
      length(distinct(values(local.volume_names[each.key]))) == length(local.tasks[each.key].writable))
      error_message = "writable_paths must be absolute directories other than /, each named differently once its / and other punctuation become - (/var/run and /var-run collide)."
    }
  }
}

resource "aws_ecs_service" "this" {
  for_each = var.services

  name             = each.key
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.this[each.key].arn
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  # ECS cannot start a service's first task on demand: min_instances 0 keeps one task running.
  desired_count                      = max(each.value.min_instances, 1)
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = each.value.port == null ? null : 60
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task[each.key].id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.value.port == null ? [] : [each.value.port]

    content {
      target_group_arn = aws_lb_target_group.service[each.key].arn
      container_name   = each.key
      container_port   = load_balancer.value
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags

  lifecycle {
    # Autoscaling moves the task count between the bounds Terraform owns.
    ignore_changes = [desired_count]
  }

  # ECS refuses a target group that no listener of a load balancer forwards to yet.
  depends_on = [aws_lb_listener.main, aws_lb_listener.service_port, aws_lb_listener_rule.host]
}

resource "aws_appautoscaling_target" "service" {
  for_each = var.services

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = max(each.value.min_instances, 1)
  max_capacity       = each.value.max_instances

  tags = var.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = var.services

  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

locals {
  # A five-field cron (minute hour day-of-month month day-of-week) in EventBridge Scheduler's form
  # cron(minute hour day-of-month month day-of-week year): one of the two days is "?", increments start
  # from a value rather than *, and the week starts at Sunday = 1 (cron's 0 and 7 are Sunday). A Scheduler
  # expression (cron(...), rate(...), at(...)) passes unchanged.
  cron_fields = { for key, job in var.jobs :
    key => can(regex("^(cron|rate|at)\\(", trimspace(job.schedule))) ? [] : regexall("\\S+", job.schedule)
  }
  cron_weekdays = { for key, fields in local.cron_fields : key => length(fields) != 5 ? "" : join("/", concat(
    [join(",", [for item in split(",", split("/", fields[4])[0]) :
      join("-", [for day in split("-", item) : can(tonumber(day)) ? tostring(tonumber(day) % 7 + 1) : day])
    ])],
    slice(split("/", fields[4]), 1, length(split("/", fields[4]))),
  )) }
  schedule_expressions = { for key, job in var.jobs : key => length(local.cron_fields[key]) != 5 ? trimspace(job.schedule) : format(
    "cron(%s %s %s %s %s *)",
    replace(local.cron_fields[key][0], "*/", "0/"),
    replace(local.cron_fields[key][1], "*/", "0/"),
    contains(["*", "?"], local.cron_fields[key][4]) ? replace(local.cron_fields[key][2], "*/", "1/") : "?",
    replace(local.cron_fields[key][3], "*/", "1/"),
    contains(["*", "?"], local.cron_fields[key][4]) ? "?" : local.cron_weekdays[key],
  ) }
}

resource "aws_scheduler_schedule_group" "jobs" {
  count = length(var.jobs) > 0 ? 1 : 0

  name = var.name

  tags = var.tags
}

resource "aws_scheduler_schedule" "job" {
  for_each = var.jobs

  name                         = each.key
  group_name                   = aws_scheduler_schedule_group.jobs[0].name
  schedule_expression          = local.schedule_expressions[each.key]
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this.arn
    role_arn = aws_iam_role.scheduler[each.key].arn

    # a start that fails (throttled, no capacity) is retried for an hour, not the default day: a late run is a wrong one
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.this[each.key].arn
      launch_type         = "FARGATE"
      platform_version    = "LATEST"
      task_count          = 1
      propagate_tags      = "TASK_DEFINITION"

      network_configuration {
        subnets          = var.private_subnet_ids
        security_groups  = [aws_security_group.task[each.key].id]
        assign_public_ip = false
      }
    }
  }
}
