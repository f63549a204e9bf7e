
# The controllers' identities (appended to eks.tftest.hcl, whose mocked provider it uses).

run "no_controller_identity_by_default" {
  command = plan

  assert {
    condition     = length(aws_eks_pod_identity_association.external_secrets) == 0
    error_message = "Without external_secrets_names the module creates no identity."
  }

  assert {
    condition     = length(aws_eks_pod_identity_association.cluster_autoscaler) == 0 && output.cluster_autoscaler_role_arn == null
    error_message = "Without cluster_autoscaler the module creates no identity for it."
  }
}

run "controllers_get_their_own_roles_through_pod_identity" {
  command = plan

  variables {
    external_secrets_names = ["shop/prod/*", "shop/shared/registry-credentials"]
    cluster_autoscaler     = true
  }

  assert {
    condition     = aws_eks_pod_identity_association.cluster_autoscaler[0].namespace == "kube-system" && aws_eks_pod_identity_association.cluster_autoscaler[0].service_account == "cluster-autoscaler"
    error_message = "The autoscaler's role must be bound to the ServiceAccount its chart runs as."
  }

  assert {
    condition = anytrue([for s in jsondecode(aws_iam_role_policy.cluster_autoscaler[0].policy).Statement :
      contains(s.Action, "autoscaling:SetDesiredCapacity") && s.Resource != "*" &&
    try(s.Condition.StringEquals["aws:ResourceTag/k8s.io/cluster-autoscaler/${var.name}"], "") == "owned"])
    error_message = "Resizing is limited to the Auto Scaling groups EKS tags as this cluster's."
  }

  assert {
    condition     = aws_eks_pod_identity_association.external_secrets[0].namespace == "external-secrets" && aws_eks_pod_identity_association.external_secrets[0].service_account == "external-secrets"
    error_message = "The role must be bound to the External Secrets controller's ServiceAccount."
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.external_secrets[0].policy, "secret:shop/prod/*") && !strcontains(aws_iam_role_policy.external_secrets[0].policy, "secret:shop/*")
    error_message = "External Secrets may read the environment's path and no other of the project."
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.external_secrets[0].policy, "secret:shop/shared/registry-credentials-??????")
    error_message = "A name without /* grants exactly that secret (its ARN's random suffix), not every name it prefixes."
  }
}

run "external_secrets_reads_the_parameter_path_alone" {
  command = plan

  variables {
    external_secrets_parameter_path = "/shop/prod/pod-security-groups"
  }

  assert {
    condition     = length(aws_eks_pod_identity_association.external_secrets) == 1
    error_message = "A parameter path alone gives External Secrets an identity."
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.external_secrets[0].policy, "parameter/shop/prod/pod-security-groups/*") && !strcontains(aws_iam_role_policy.external_secrets[0].policy, "secretsmanager")
    error_message = "External Secrets may read the parameters under the path and no secret."
  }
}

run "external_secrets_names_are_secret_names" {
  command = plan

  variables {
    external_secrets_names = ["shop/*/prod"]
  }

  expect_failures = [var.external_secrets_names]
}

run "external_secrets_reads_every_environments_parameters_under_a_wildcard_path" {
  command = plan

  variables {
    external_secrets_parameter_path = "/shop/*/pod-security-groups"
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.external_secrets[0].policy, "parameter/shop/*/pod-security-groups/*")
    error_message = "A * segment of the path grants that segment's every value."
  }
}

run "the_ebs_csi_driver_provisions_volumes_with_its_own_role" {
  command = plan

  assert {
    condition     = aws_eks_addon.ebs_csi_driver.addon_name == "aws-ebs-csi-driver" && one(aws_eks_addon.ebs_csi_driver.pod_identity_association).service_account == "ebs-csi-controller-sa"
    error_message = "Every cluster runs the EBS CSI driver, its controller under its own Pod Identity role."
  }

  assert {
    condition     = endswith(aws_iam_role_policy_attachment.ebs_csi_driver.policy_arn, ":iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy")
    error_message = "The driver's role carries the AWS managed EBS CSI policy."
  }

  assert {
    condition     = jsondecode(aws_iam_role.ebs_csi_driver.assume_role_policy).Statement[0].Principal.Service == "pods.eks.amazonaws.com"
    error_message = "Only EKS Pod Identity may assume the driver's role."
  }
}
