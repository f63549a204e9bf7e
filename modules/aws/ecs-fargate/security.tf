
# The way in (appended to the module's main.tf): an internet-facing Application Load Balancer in the
# public subnets for the public services and an internal one in the private subnets for the others.
# Each routes by host name (one rule per service domain) and forwards the rest to its first service without
# a domain, else to its first service by name; every other service without a domain gets a listener on its
# own port (no DNS needed to reach it). HTTPS (TLS 1.2+) with certificate_arn, port 80 then only
# redirects; plain HTTP without it. Security groups: a load balancer reaches each of its services on
# that service's port only; tasks admit nothing else and may go out anywhere. A service without a port (a worker)
# has no load balancer and admits nothing.

locals {
  https = var.certificate_arn != null

  # The services behind a load balancer: those with a port.
  served = { for key, service in var.services : key => service if service.port != null }

  services_by_load_balancer = {
    public   = { for key, service in local.served : key => service if service.public }
    internal = { for key, service in local.served : key => service if !service.public }
  }
  load_balancers = { for kind, services in local.services_by_load_balancer : kind => {
    internal = kind == "internal"
    subnets  = kind == "public" ? var.public_subnet_ids : var.private_subnet_ids
    services = services
    default_service = contains(keys(services), coalesce(var.default_service, " ")) ? var.default_service : concat(
      [for key, service in services : key if service.domain == null], keys(services)
    )[0]
  } if length(services) > 0 }

  service_load_balancer = { for key, service in local.served : key => service.public ? "public" : "internal" }

  # A load balancer's name has at most 32 characters: a longer <name>-pub keeps 23 of the name and a digest of it,
  # so the environments of one project still differ.
  load_balancer_names = { for kind in keys(local.load_balancers) : kind => (
    length(var.name) <= 28 ? "${var.name}-${substr(kind, 0, 3)}"
    : "${substr(var.name, 0, 23)}-${substr(sha1(var.name), 0, 4)}-${substr(kind, 0, 3)}"
  ) }

  # The services without a domain that are not their load balancer's default: each on a listener of its port.
  port_listeners = { for key, service in local.served : key => service
  if service.domain == null && key != local.load_balancers[local.service_load_balancer[key]].default_service }

  # Who may reach the listeners: anyone for the public load balancer, the VPC for the internal one.
  listener_ports = local.https ? [80, 443] : [80]
  listener_ingress = { for rule in distinct(concat(flatten([for kind in keys(local.load_balancers) : [
    for port in local.listener_ports : { kind = kind, port = port }
    ]]), [for key, service in local.port_listeners : { kind = local.service_load_balancer[key], port = service.port }]
  )) : "${rule.kind}-${rule.port}" => rule }
}

data "aws_vpc" "this" {
  count = contains(keys(local.load_balancers), "internal") ? 1 : 0

  id = var.vpc_id
}

resource "aws_lb" "this" {
  for_each = local.load_balancers

  name                       = local.load_balancer_names[each.key]
  load_balancer_type         = "application"
  internal                   = each.value.internal
  subnets                    = each.value.subnets
  security_groups            = [aws_security_group.load_balancer[each.key].id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    precondition {
      condition     = length(each.value.subnets) >= 2
      error_message = "A load balancer needs subnets in at least two Availability Zones: give ${each.key == "public" ? "public_subnet_ids" : "private_subnet_ids"} two or more subnets."
    }
  }
}

resource "aws_lb_target_group" "service" {
  for_each = local.served

  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = each.value.health_path
    matcher             = "200-399"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "main" {
  for_each = local.load_balancers

  load_balancer_arn = aws_lb.this[each.key].arn
  port              = local.https ? 443 : 80
  protocol          = local.https ? "HTTPS" : "HTTP"
  ssl_policy        = local.https ? "ELBSecurityPolicy-TLS13-1-2-2021-06" : null
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.value.default_service].arn
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.https || alltrue([for service in values(each.value.services) : service.domain == null])
      error_message = "Services with a domain are served over HTTPS: give certificate_arn, an ACM certificate covering their domains."
    }
  }
}

resource "aws_lb_listener" "service_port" {
  for_each = local.port_listeners

  load_balancer_arn = aws_lb.this[local.service_load_balancer[each.key]].arn
  port              = each.value.port
  protocol          = local.https ? "HTTPS" : "HTTP"
  ssl_policy        = local.https ? "ELBSecurityPolicy-TLS13-1-2-2021-06" : null
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition = !contains(local.listener_ports, each.value.port) && length([for key, service in local.port_listeners : key
      if service.port == each.value.port && local.service_load_balancer[key] == local.service_load_balancer[each.key]]) == 1
      error_message = "${each.key} has no domain and is not its load balancer's default service, so it is served on its own port ${each.value.port}, which a main listener or another such service uses: give it a domain or another port."
    }
  }
}

resource "aws_lb_listener" "redirect" {
  for_each = { for kind, load_balancer in local.load_balancers : kind => load_balancer if local.https }

  load_balancer_arn = aws_lb.this[each.key].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener_rule" "host" {
  for_each = { for key, service in local.served : key => service if service.domain != null }

  listener_arn = aws_lb_listener.main[local.service_load_balancer[each.key]].arn
  priority     = index(keys(var.services), each.key) + 1

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  condition {
    host_header {
      values = [each.value.domain]
    }
  }

  tags = var.tags
}

resource "aws_security_group" "load_balancer" {
  for_each = local.load_balancers

  name_prefix = "${var.name}-${each.key}-lb-"
  description = "The ${each.key} load balancer of ${var.name}: its listeners in, the ports of its services out."
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}-lb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "listener" {
  for_each = local.listener_ingress

  security_group_id = aws_security_group.load_balancer[each.value.kind].id
  description       = "Listener port ${each.value.port} from ${each.value.kind == "public" ? "the internet" : "the VPC"}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.kind == "public" ? "0.0.0.0/0" : data.aws_vpc.this[0].cidr_block
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_service" {
  for_each = local.served

  security_group_id            = aws_security_group.load_balancer[local.service_load_balancer[each.key]].id
  description                  = "To ${each.key} on its port"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.task[each.key].id
}

resource "aws_security_group" "task" {
  for_each = local.tasks

  name_prefix = "${var.name}-${each.key}-"
  description = "Tasks of ${var.name} ${each.key}: ${contains(keys(local.served), each.key) ? "their port from the load balancer only" : "no inbound traffic"}, any egress."
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "service_from_load_balancer" {
  for_each = local.served

  security_group_id            = aws_security_group.task[each.key].id
  description                  = "Port ${each.value.port} from the ${local.service_load_balancer[each.key]} load balancer"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.load_balancer[local.service_load_balancer[each.key]].id
}

resource "aws_vpc_security_group_egress_rule" "task" {
  for_each = local.tasks

  security_group_id = aws_security_group.task[each.key].id
  description       = "Any egress (registries, AWS APIs, databases)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
