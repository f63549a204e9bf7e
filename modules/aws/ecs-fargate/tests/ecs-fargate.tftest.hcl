# Offline: `terraform init -backend=false && terraform test` (mocked AWS provider).

# ARNs the provider checks when one resource passes another's on (the apply run).
mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/mock" }
  }

  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/mock/1" }
  }

  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/mock/1" }
  }

  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/mock/1/1" }
  }

  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:111122223333:cluster/mock", id = "arn:aws:ecs:eu-west-1:111122223333:cluster/mock" }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:111122223333:task-definition/mock:1" }
  }
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111122223333" }
}

override_data {
  target = data.aws_partition.current
  values = { partition = "aws" }
}

override_data {
  target = data.aws_region.current
  values = { name = "eu-west-1" }
}

override_data {
  target = data.aws_vpc.this
  values = { cidr_block = "10.0.0.0/16" }
}

variables {
  name               = "shop-prod"
  vpc_id             = "vpc-12345678"
  private_subnet_ids = ["subnet-private-a", "subnet-private-b"]
  public_subnet_ids  = ["subnet-public-a", "subnet-public-b"]
  certificate_arn    = "arn:aws:acm:eu-west-1:111122223333:certificate/shop"
  kms_key_arn        = "arn:aws:kms:eu-west-1:111122223333:key/shop"
  services = {
    web = {
      image   = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.0.0"
      port    = 8080
      domain  = "shop.example.com"
      secrets = { SESSION_KEY = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/web-AbCdEf" }
    }
    api = {
      image         = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api@sha256:0123"
      port          = 3000
      health_path   = "/healthz"
      min_instances = 2
      max_instances = 6
      secrets = {
        DATABASE_URL = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/db-GhIjKl:url::"
        API_TOKEN    = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/api-MnOpQr"
      }
    }
    ledger = {
      image  = "public.ecr.aws/acme/ledger:2"
      port   = 9000
      public = false
    }
  }
}

run "public_services_share_an_internet_facing_load_balancer_internal_ones_an_internal_one" {
  command = plan

  assert {
    condition     = !aws_lb.this["public"].internal && toset(aws_lb.this["public"].subnets) == toset(["subnet-public-a", "subnet-public-b"])
    error_message = "Public services must sit behind an internet-facing load balancer in the public subnets."
  }

  assert {
    condition     = aws_lb.this["internal"].internal && toset(aws_lb.this["internal"].subnets) == toset(["subnet-private-a", "subnet-private-b"])
    error_message = "Non-public services must sit behind an internal load balancer in the private subnets."
  }

  assert {
    condition     = alltrue([for lb in aws_lb.this : lb.drop_invalid_header_fields && lb.enable_deletion_protection && lb.load_balancer_type == "application"])
    error_message = "Load balancers must drop invalid header fields and be protected from deletion."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.listener["public-443"].cidr_ipv4 == "0.0.0.0/0" && aws_vpc_security_group_ingress_rule.listener["internal-443"].cidr_ipv4 == "10.0.0.0/16"
    error_message = "The internet reaches the public load balancer only; the internal one admits the VPC only."
  }

  assert {
    condition     = output.service_urls["web"] == "https://shop.example.com"
    error_message = "A service with a domain must be reached at https://<domain>."
  }
}

run "https_with_tls_1_2_and_port_80_only_redirects" {
  command = plan

  assert {
    condition     = alltrue([for l in aws_lb_listener.main : l.protocol == "HTTPS" && l.port == 443 && l.certificate_arn == "arn:aws:acm:eu-west-1:111122223333:certificate/shop" && l.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"])
    error_message = "With certificate_arn every load balancer must listen on HTTPS 443 with the certificate and a TLS 1.2+ policy."
  }

  assert {
    condition = alltrue([for l in aws_lb_listener.redirect :
      l.port == 80 && l.default_action[0].type == "redirect" && l.default_action[0].redirect[0].protocol == "HTTPS" && l.default_action[0].redirect[0].port == "443" && l.default_action[0].redirect[0].status_code == "HTTP_301"
    ]) && length(aws_lb_listener.redirect) == 2
    error_message = "Port 80 must only redirect to HTTPS on every load balancer."
  }
}

run "one_host_rule_per_service_domain" {
  command = plan

  variables {
    services = {
      web   = { image = "nginx:1.27", port = 80 }
      api   = { image = "nginx:1.27", port = 80, domain = "api.example.com" }
      admin = { image = "nginx:1.27", port = 80, domain = "admin.example.com" }
    }
  }

  assert {
    condition     = keys(aws_lb_listener_rule.host) == ["admin", "api"]
    error_message = "Each service with a domain must get a host rule, and only those."
  }

  assert {
    condition     = one(aws_lb_listener_rule.host["api"].condition).host_header[0].values == toset(["api.example.com"]) && one(aws_lb_listener_rule.host["admin"].condition).host_header[0].values == toset(["admin.example.com"])
    error_message = "A host rule must match its service's domain."
  }

  assert {
    condition     = aws_lb_listener_rule.host["api"].priority != aws_lb_listener_rule.host["admin"].priority
    error_message = "Host rules of one listener need distinct priorities."
  }
}

run "default_action_and_security_groups_connect_each_load_balancer_to_its_services" {
  command = apply

  variables {
    services = {
      web   = { image = "nginx:1.27", port = 8080 }
      api   = { image = "nginx:1.27", port = 3000, domain = "api.example.com" }
      audit = { image = "nginx:1.27", port = 7000, domain = "audit.example.com" }
      queue = { image = "nginx:1.27", port = 5000, public = false, domain = "queue.internal.example.com" }
    }
  }

  override_resource {
    target = aws_lb_target_group.service["web"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/1" }
  }

  override_resource {
    target = aws_lb_target_group.service["queue"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/queue/1" }
  }

  override_resource {
    target = aws_security_group.load_balancer["public"]
    values = { id = "sg-public-lb" }
  }

  override_resource {
    target = aws_security_group.task["api"]
    values = { id = "sg-api" }
  }

  assert {
    condition     = aws_lb_listener.main["public"].default_action[0].target_group_arn == "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/1"
    error_message = "The public load balancer's default action must forward to its service without a domain."
  }

  assert {
    condition     = aws_lb_listener.main["internal"].default_action[0].target_group_arn == "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/queue/1"
    error_message = "A load balancer whose services all have domains must forward by default to its first service."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.service_from_load_balancer["api"].security_group_id == "sg-api"
      && aws_vpc_security_group_ingress_rule.service_from_load_balancer["api"].referenced_security_group_id == "sg-public-lb"
      && aws_vpc_security_group_ingress_rule.service_from_load_balancer["api"].from_port == 3000
      && aws_vpc_security_group_ingress_rule.service_from_load_balancer["api"].to_port == 3000
    )
    error_message = "A service's tasks must admit its load balancer on the service's port only."
  }

  assert {
    condition     = length([for rule in aws_vpc_security_group_ingress_rule.service_from_load_balancer : rule if rule.security_group_id == "sg-api"]) == 1
    error_message = "Nothing else may reach a service's tasks."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.load_balancer_to_service["api"].security_group_id == "sg-public-lb" && aws_vpc_security_group_egress_rule.load_balancer_to_service["api"].referenced_security_group_id == "sg-api"
    error_message = "The load balancer may go out to its services' security groups only."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.task["api"].ip_protocol == "-1" && aws_vpc_security_group_egress_rule.task["api"].cidr_ipv4 == "0.0.0.0/0"
    error_message = "Tasks may go out anywhere (registries, AWS APIs, databases)."
  }
}

run "each_task_reads_only_its_own_secrets_and_pulls_only_its_own_repository" {
  command = plan

  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.execution["api"].policy).Statement : s.Resource if s.Sid == "ReadOwnSecrets"])
      == ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/api-MnOpQr", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/db-GhIjKl"]
    )
    error_message = "The api's execution role must read exactly the api's secrets (a JSON key suffix stripped)."
  }

  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.execution["web"].policy).Statement : s.Resource if s.Sid == "ReadOwnSecrets"])
      == ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/web-AbCdEf"]
    )
    error_message = "The web's execution role must not read another service's secrets."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.execution["ledger"].policy, "secretsmanager") && !strcontains(aws_iam_role_policy.execution["ledger"].policy, "kms:")
    error_message = "A service without secrets must read no secret."
  }

  assert {
    condition = anytrue([for s in jsondecode(aws_iam_role_policy.execution["web"].policy).Statement :
      s.Action == "kms:Decrypt" && s.Resource == "arn:aws:kms:eu-west-1:111122223333:key/shop" && try(s.Condition.StringEquals["kms:ViaService"], "") == "secretsmanager.eu-west-1.amazonaws.com"
    ])
    error_message = "Secrets encrypted with kms_key_arn must be decryptable through Secrets Manager only."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution["api"].policy).Statement : s.Resource if s.Sid == "PullImage"]) == "arn:aws:ecr:eu-west-1:111122223333:repository/shop/api"
    error_message = "The execution role may pull from the service's own ECR repository only."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.execution["ledger"].policy).Statement : s if startswith(s.Sid, "Pull") || s.Sid == "RegistryLogin"]) == 0
    error_message = "An image outside this account's ECR needs no ECR permission."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution["web"].policy).Statement : s.Resource if s.Sid == "WriteLogs"]) == "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/shop-prod/web:*"
    error_message = "The execution role may write its own log group only."
  }

  assert {
    condition     = jsondecode(aws_iam_role.task["web"].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111122223333"
    error_message = "Only this account's ECS tasks may assume the task role."
  }
}

run "services_run_in_private_subnets_without_public_ip_and_roll_back_failed_deployments" {
  command = plan

  assert {
    condition = alltrue([for s in aws_ecs_service.this :
      s.network_configuration[0].assign_public_ip == false && s.network_configuration[0].subnets == toset(["subnet-private-a", "subnet-private-b"]) && s.launch_type == "FARGATE"
    ])
    error_message = "Services must run on Fargate in the private subnets without a public IP."
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.this : s.deployment_circuit_breaker[0].enable && s.deployment_circuit_breaker[0].rollback])
    error_message = "A failed deployment must be rolled back by the circuit breaker."
  }

  assert {
    condition     = aws_ecs_cluster.this.setting == toset([{ name = "containerInsights", value = "enabled" }])
    error_message = "Container Insights must be on."
  }

  assert {
    condition = alltrue([for key, t in aws_ecs_task_definition.this :
      t.network_mode == "awsvpc" && t.requires_compatibilities == toset(["FARGATE"])
      && jsondecode(t.container_definitions)[0].readonlyRootFilesystem
      && jsondecode(t.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/shop-prod/${key}"
    ])
    error_message = "Task definitions must be Fargate/awsvpc with a read-only root filesystem logging to their own log group."
  }

  assert {
    condition     = aws_lb_target_group.service["api"].health_check[0].path == "/healthz" && aws_lb_target_group.service["api"].port == 3000 && aws_lb_target_group.service["api"].target_type == "ip"
    error_message = "The load balancer must check a service's health on its health_path and port."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["api"].container_definitions)[0].secrets == [{ name = "API_TOKEN", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/api-MnOpQr" }, { name = "DATABASE_URL", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/db-GhIjKl:url::" }]
    error_message = "Secrets must reach the container as environment variables read from Secrets Manager."
  }

  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.task : g.kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/shop" && g.retention_in_days == 365])
    error_message = "Log groups must be encrypted with kms_key_arn and kept log_retention_days."
  }
}

run "autoscaling_between_min_and_max_on_cpu" {
  command = plan

  assert {
    condition     = aws_appautoscaling_target.service["api"].min_capacity == 2 && aws_appautoscaling_target.service["api"].max_capacity == 6 && aws_appautoscaling_target.service["api"].resource_id == "service/shop-prod/api"
    error_message = "The api must scale between its min_instances and max_instances."
  }

  assert {
    condition = alltrue([for p in aws_appautoscaling_policy.cpu :
      p.target_tracking_scaling_policy_configuration[0].target_value == 60
      && p.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    ])
    error_message = "Services must track 60% average CPU."
  }
}

run "min_instances_zero_keeps_one_task" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 80, min_instances = 0, max_instances = 2 }
    }
  }

  assert {
    condition     = aws_appautoscaling_target.service["web"].min_capacity == 1 && aws_ecs_service.this["web"].desired_count == 1
    error_message = "ECS cannot start a service's first task on demand: min_instances 0 must keep one task."
  }
}

run "cpu_and_memory_become_fargate_sizes" {
  command = plan

  variables {
    services = {
      small   = { image = "nginx:1.27", port = 80, cpu = 0.25, memory_mib = 512, domain = "small.example.com" }
      default = { image = "nginx:1.27", port = 80 }
      odd     = { image = "nginx:1.27", port = 80, cpu = 2, memory_mib = 5000, domain = "odd.example.com" }
    }
  }

  assert {
    condition     = aws_ecs_task_definition.this["small"].cpu == "256" && aws_ecs_task_definition.this["small"].memory == "512"
    error_message = "0.25 vCPU with 512 MiB must be CPU 256, memory 512."
  }

  assert {
    condition     = aws_ecs_task_definition.this["default"].cpu == "1024" && aws_ecs_task_definition.this["default"].memory == "2048"
    error_message = "1 vCPU with 512 MiB must round up to Fargate's smallest size for 1 vCPU, 2048 MiB."
  }

  assert {
    condition     = aws_ecs_task_definition.this["odd"].cpu == "2048" && aws_ecs_task_definition.this["odd"].memory == "5120"
    error_message = "2 vCPUs with 5000 MiB must round up to the next 1024 MiB step, 5120."
  }
}

run "writable_paths_are_volumes_on_ephemeral_storage_under_a_read_only_root" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 8080, writable_paths = ["/tmp", "/var/cache/nginx", "/var/run"] }
      api = { image = "public.ecr.aws/acme/api:1", port = 3000, writable_paths = null } # null: the default
    }
    jobs = {
      report = { image = "public.ecr.aws/acme/report:1", schedule = "0 3 * * *", writable_paths = [] }
    }
  }

  assert {
    condition = (
      toset([for v in aws_ecs_task_definition.this["web"].volume : v.name]) == toset(["tmp", "var-cache-nginx", "var-run"])
      && toset(jsondecode(aws_ecs_task_definition.this["web"].container_definitions)[0].mountPoints) == toset([
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
        { sourceVolume = "var-cache-nginx", containerPath = "/var/cache/nginx", readOnly = false },
        { sourceVolume = "var-run", containerPath = "/var/run", readOnly = false },
      ])
    )
    error_message = "Each writable path must be a volume of its own, mounted read-write at that path."
  }

  assert {
    condition     = [for v in aws_ecs_task_definition.this["api"].volume : v.name] == ["tmp"] && jsondecode(aws_ecs_task_definition.this["api"].container_definitions)[0].mountPoints[0].containerPath == "/tmp"
    error_message = "By default (also when null) only /tmp is writable."
  }

  assert {
    condition     = length(aws_ecs_task_definition.this["report"].volume) == 0 && !can(jsondecode(aws_ecs_task_definition.this["report"].container_definitions)[0].mountPoints)
    error_message = "No writable path: no volume and no mount points (ECS drops an empty list)."
  }
}

run "a_writable_root_or_colliding_paths_are_refused" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 8080, writable_paths = ["/var/run", "/var-run"] }
      api = { image = "public.ecr.aws/acme/api:1", port = 3000, writable_paths = ["/"] }
    }
  }

  expect_failures = [aws_ecs_task_definition.this["web"], aws_ecs_task_definition.this["api"]]
}

run "cpu_that_fargate_does_not_offer_is_refused" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 80, cpu = 3 }
    }
  }

  expect_failures = [var.services]
}

run "memory_above_the_cpu_size_maximum_is_refused" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 80, cpu = 0.25, memory_mib = 4096 }
    }
  }

  expect_failures = [var.services]
}

run "min_above_max_is_refused" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 80, min_instances = 4, max_instances = 2 }
    }
  }

  expect_failures = [var.services]
}

run "a_second_public_service_without_a_domain_gets_a_listener_on_its_port" {
  command = plan

  variables {
    certificate_arn = null
    services = {
      web = { image = "nginx:1.27", port = 3000 }
      api = { image = "nginx:1.27", port = 8080 }
    }
  }

  assert {
    condition     = keys(aws_lb_listener.service_port) == ["web"] && aws_lb_listener.service_port["web"].port == 3000
    error_message = "The public service that is not the default (api, first by name) must get a listener on its own port."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.listener["public-3000"].from_port == 3000
    error_message = "The public load balancer must admit the port listener's port."
  }
}

run "default_service_takes_the_main_listener_and_a_worker_without_port_gets_no_load_balancer" {
  command = plan

  variables {
    certificate_arn = null
    default_service = "web"
    services = {
      web    = { image = "nginx:1.27", port = 3000 }
      api    = { image = "nginx:1.27", port = 8080 }
      worker = { image = "nginx:1.27" }
    }
  }

  assert {
    condition     = keys(aws_lb_listener.service_port) == ["api"] && aws_lb_listener.service_port["api"].port == 8080
    error_message = "With default_service web, api (first by name) must get a listener on its own port and web the main one."
  }

  assert {
    condition     = keys(aws_lb_target_group.service) == ["api", "web"] && !contains(keys(output.service_urls), "worker")
    error_message = "A service without a port must have no target group and no URL."
  }

  assert {
    condition     = length(aws_ecs_service.this["worker"].load_balancer) == 0 && aws_ecs_service.this["worker"].health_check_grace_period_seconds == null
    error_message = "A worker's ECS service must not be registered with a load balancer."
  }

  assert {
    condition     = !contains(keys(aws_vpc_security_group_ingress_rule.service_from_load_balancer), "worker") && contains(keys(aws_vpc_security_group_egress_rule.task), "worker")
    error_message = "A worker's tasks must admit nothing and still reach out."
  }
}

run "a_default_service_without_a_port_is_refused" {
  command = plan

  variables {
    default_service = "worker"
    services = {
      web    = { image = "nginx:1.27", port = 3000 }
      worker = { image = "nginx:1.27" }
    }
  }

  expect_failures = [var.default_service]
}

run "a_port_listener_on_a_main_listener_port_is_refused" {
  command = plan

  variables {
    certificate_arn = null
    services = {
      web = { image = "nginx:1.27", port = 80 }
      api = { image = "nginx:1.27", port = 8080 }
    }
  }

  expect_failures = [aws_lb_listener.service_port]
}

run "a_domain_without_a_certificate_is_refused" {
  command = plan

  variables {
    certificate_arn = null
  }

  expect_failures = [aws_lb_listener.main]
}

run "without_a_certificate_plain_http_and_no_redirect" {
  command = plan

  variables {
    certificate_arn = null
    services = {
      web = { image = "nginx:1.27", port = 80 }
    }
  }

  assert {
    condition     = aws_lb_listener.main["public"].protocol == "HTTP" && aws_lb_listener.main["public"].port == 80 && length(aws_lb_listener.redirect) == 0
    error_message = "Without certificate_arn the load balancer must serve HTTP on 80 and redirect nothing."
  }

  assert {
    condition     = keys(aws_lb.this) == ["public"] && keys(aws_vpc_security_group_ingress_rule.listener) == ["public-80"]
    error_message = "Only public services: one internet-facing load balancer, port 80 open."
  }
}

run "a_job_runs_on_its_schedule_with_a_role_of_its_own" {
  command = plan

  variables {
    jobs = {
      nightly = {
        image   = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/jobs:1.0.0"
        command = ["bin/rake", "reports"]
        secrets = { DATABASE_URL = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/db-GhIjKl" }
      schedule = "0 3 * * *" }
      weekdays = { image = "nginx:1.27", schedule = "*/15 6 * * 1-5" }
      hourly   = { image = "nginx:1.27", schedule = "rate(1 hour)" }
      noon     = { image = "nginx:1.27", schedule = "cron(0 12 ? * MON-FRI *)" }
    }
  }

  assert {
    condition     = aws_scheduler_schedule.job["nightly"].schedule_expression == "cron(0 3 * * ? *)" && aws_scheduler_schedule.job["nightly"].schedule_expression_timezone == "UTC"
    error_message = "A daily cron must become EventBridge Scheduler's cron(0 3 * * ? *) in UTC."
  }

  assert {
    condition     = aws_scheduler_schedule.job["weekdays"].schedule_expression == "cron(0/15 6 ? * 2-6 *)"
    error_message = "Cron's Monday-Friday (1-5) must become Scheduler's 2-6, with the day of the month ?."
  }

  assert {
    condition     = aws_scheduler_schedule.job["hourly"].schedule_expression == "rate(1 hour)" && aws_scheduler_schedule.job["noon"].schedule_expression == "cron(0 12 ? * MON-FRI *)"
    error_message = "Scheduler expressions must pass unchanged."
  }

  assert {
    condition = alltrue([for s in aws_scheduler_schedule.job :
      s.target[0].ecs_parameters[0].launch_type == "FARGATE" && s.target[0].ecs_parameters[0].network_configuration[0].assign_public_ip == false
      && s.group_name == "shop-prod"
    ])
    error_message = "Jobs must run as Fargate tasks in the private subnets without a public IP."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["nightly"].container_definitions)[0].command == ["bin/rake", "reports"] && !can(jsondecode(aws_ecs_task_definition.this["nightly"].container_definitions)[0].portMappings)
    error_message = "A job's task runs its command and exposes no port."
  }

  assert {
    condition     = jsondecode(aws_iam_role.scheduler["nightly"].assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com" && jsondecode(aws_iam_role.scheduler["nightly"].assume_role_policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == "arn:aws:scheduler:eu-west-1:111122223333:schedule-group/shop-prod"
    error_message = "Each job's schedule must have a role only this module's schedule group may assume."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution["nightly"].policy).Statement : s.Resource if s.Sid == "ReadOwnSecrets"]) == ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/db-GhIjKl"]
    error_message = "A job's execution role must read exactly the job's secrets."
  }

  assert {
    condition     = length(aws_lb_target_group.service) == 3 && !contains(keys(aws_lb_target_group.service), "nightly")
    error_message = "Jobs get no load balancer target."
  }
}

run "a_job_named_like_a_service_is_refused" {
  command = plan

  variables {
    jobs = {
      web = { image = "nginx:1.27", schedule = "0 3 * * *" }
    }
  }

  expect_failures = [aws_ecs_task_definition.this]
}

run "a_schedule_restricting_both_days_is_refused" {
  command = plan

  variables {
    jobs = {
      monthly = { image = "nginx:1.27", schedule = "0 3 1 * 1" }
    }
  }

  expect_failures = [var.jobs]
}

run "an_empty_schedule_is_refused" {
  command = plan

  variables {
    jobs = {
      never = { image = "nginx:1.27", schedule = "" }
    }
  }

  expect_failures = [var.jobs]
}

run "a_domain_that_is_not_a_host_name_is_refused" {
  command = plan

  variables {
    services = {
      web = { image = "nginx:1.27", port = 80, domain = "https://shop.example.com" }
    }
  }

  expect_failures = [var.services]
}

run "a_public_service_without_public_subnets_in_two_zones_is_refused" {
  command = plan

  variables {
    public_subnet_ids = ["subnet-public-a"]
  }

  expect_failures = [aws_lb.this]
}

run "jobs_alone_need_no_load_balancer" {
  command = plan

  variables {
    services = {}
    jobs = {
      nightly = { image = "nginx:1.27", schedule = "0 3 * * 0" }
    }
  }

  assert {
    condition     = length(aws_lb.this) == 0 && length(aws_security_group.load_balancer) == 0 && length(aws_ecs_service.this) == 0
    error_message = "Without services no load balancer, security group for one, or ECS service is created."
  }

  assert {
    condition     = aws_scheduler_schedule.job["nightly"].schedule_expression == "cron(0 3 ? * 1 *)"
    error_message = "Cron's Sunday (0) must become Scheduler's 1."
  }
}

run "a_long_name_keeps_the_load_balancer_name_within_32_characters" {
  command = plan

  variables {
    name = "storefront-fargate-hosting-staging"
  }

  assert {
    condition     = length(aws_lb.this["public"].name) <= 32 && startswith(aws_lb.this["public"].name, "storefront-fargate-host-") && endswith(aws_lb.this["public"].name, "-pub")
    error_message = "A load balancer's name must stay within 32 characters (23 of the name, a digest, the kind)."
  }
}
