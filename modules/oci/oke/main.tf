# Kubernetes layer (Oracle Cloud): an enhanced OKE cluster on the newest patch release of the plan's
# minor version, with VCN-native pod networking (every pod an address of the pods subnet), its API
# endpoint private unless api_public (then admitting api_allowed_cidrs only), service load balancers in
# the public lb subnet, and one node pool spread over every availability domain of the region, on the
# newest Oracle Linux OKE image of the version for the shape's architecture. With kms_key_id, the
# Kubernetes secrets and the nodes' boot volumes are encrypted with that key.

# The versions OKE offers (e.g. v1.31.1, v1.31.10): the plan pins the minor, a new patch release reaches
# the cluster with the next apply.
data "oci_containerengine_cluster_option" "this" {
  cluster_option_id = "all"
  compartment_id    = var.compartment_id

  lifecycle {
    postcondition {
      condition     = length([for version in self.kubernetes_versions : version if startswith(version, "v${var.kubernetes_version}.")]) > 0
      error_message = "OKE offers no Kubernetes ${var.kubernetes_version} release in this region: pick a minor version from `oci ce cluster-options get --cluster-option-id all`."
    }
  }
}

data "oci_identity_availability_domains" "this" {
  compartment_id = var.compartment_id

  lifecycle {
    postcondition {
      condition     = length(self.availability_domains) > 0
      error_message = "The region reports no availability domain for the compartment."
    }
  }
}

data "oci_containerengine_node_pool_option" "this" {
  count = var.node_image_id == null ? 1 : 0

  node_pool_option_id   = "all"
  compartment_id        = var.compartment_id
  node_pool_k8s_version = local.kubernetes_version
  node_pool_os_arch     = local.arm ? "AARCH64" : "X86_64"
}

locals {
  version_prefix = "v${var.kubernetes_version}."

  # Patch number of every offered release of the minor version; the newest by number (v1.31.10 after v1.31.9).
  patches = {
    for version in data.oci_containerengine_cluster_option.this.kubernetes_versions :
    version => tonumber(regex("^[0-9]+", trimprefix(version, local.version_prefix)))
    if startswith(version, local.version_prefix) && can(regex("^[0-9]+", trimprefix(version, local.version_prefix)))
  }
  kubernetes_version = try([for version, patch in local.patches : version if patch == max(values(local.patches)...)][0], null)

  # Ampere shapes (VM.Standard.A1.Flex, VM.Standard.A2.Flex, BM.Standard.A1.160) run aarch64 images.
  arm  = can(regex("^(VM|BM)\\.Standard\\.A[0-9]+\\.", var.node_shape))
  flex = endswith(var.node_shape, ".Flex")

  # OKE images of the resolved release: Oracle Linux, no GPU build, of the shape's architecture, keyed
  # by their build date (then name) so that the last key is the newest image.
  oke_image_tag = "-OKE-${trimprefix(coalesce(local.kubernetes_version, "none"), "v")}-"
  oke_images = var.node_image_id != null ? {} : {
    for source in data.oci_containerengine_node_pool_option.this[0].sources :
    "${try(regex("[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}-[0-9]+", source.source_name), "0000")} ${source.source_name}" => source.image_id
    if source.source_type == "IMAGE" &&
    startswith(source.source_name, "Oracle-Linux-") &&
    strcontains(source.source_name, local.oke_image_tag) &&
    !strcontains(source.source_name, "GPU") &&
    strcontains(source.source_name, "aarch64") == local.arm
  }
  node_image_id = var.node_image_id != null ? var.node_image_id : try(local.oke_images[reverse(sort(keys(local.oke_images)))[0]], null)
}

resource "oci_containerengine_cluster" "this" {
  compartment_id     = var.compartment_id
  name               = var.name
  vcn_id             = var.vcn_id
  kubernetes_version = local.kubernetes_version
  type               = "ENHANCED_CLUSTER"
  kms_key_id         = var.kms_key_id
  freeform_tags      = var.freeform_tags

  cluster_pod_network_options {
    cni_type = "OCI_VCN_IP_NATIVE"
  }

  endpoint_config {
    subnet_id            = var.api_subnet_id
    is_public_ip_enabled = var.api_public
    nsg_ids              = [var.api_nsg_id]
  }

  options {
    service_lb_subnet_ids = [var.lb_subnet_id]

    persistent_volume_config {
      freeform_tags = var.freeform_tags
    }

    service_lb_config {
      freeform_tags = var.freeform_tags
    }
  }

  lifecycle {
    precondition {
      condition     = !var.api_public || length(var.api_allowed_cidrs) > 0
      error_message = "A public Kubernetes API endpoint needs api_allowed_cidrs, the only networks it admits (0.0.0.0/0 is refused)."
    }
  }
}

# Operators' networks admitted to the API endpoint (with api_public the only sources from the internet).
resource "oci_core_network_security_group_security_rule" "api_clients" {
  for_each = toset(var.api_allowed_cidrs)

  network_security_group_id = var.api_nsg_id
  description               = "Operators to the Kubernetes API endpoint"
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = each.value
  source_type               = "CIDR_BLOCK"
  stateless                 = false

  tcp_options {
    destination_port_range {
      min = 6443
      max = 6443
    }
  }
}

resource "oci_containerengine_node_pool" "this" {
  cluster_id         = oci_containerengine_cluster.this.id
  compartment_id     = var.compartment_id
  name               = "${var.name}-default"
  kubernetes_version = local.kubernetes_version
  node_shape         = var.node_shape
  freeform_tags      = var.freeform_tags

  dynamic "node_shape_config" {
    for_each = local.flex ? [1] : []

    content {
      ocpus         = var.node_ocpus
      memory_in_gbs = var.node_memory_gbs
    }
  }

  node_source_details {
    source_type = "IMAGE"
    image_id    = local.node_image_id
  }

  node_config_details {
    size                                = var.node_count
    nsg_ids                             = [var.nodes_nsg_id]
    kms_key_id                          = var.kms_key_id
    is_pv_encryption_in_transit_enabled = true
    freeform_tags                       = var.freeform_tags

    # One placement per availability domain (the nodes subnet is regional): OKE spreads the nodes.
    dynamic "placement_configs" {
      for_each = data.oci_identity_availability_domains.this.availability_domains

      content {
        availability_domain = placement_configs.value.name
        subnet_id           = var.nodes_subnet_id
      }
    }

    node_pool_pod_network_option_details {
      cni_type          = "OCI_VCN_IP_NATIVE"
      pod_subnet_ids    = [var.pods_subnet_id]
      pod_nsg_ids       = [var.pods_nsg_id]
      max_pods_per_node = 31
    }
  }

  # Upgrades and image changes replace nodes one at a time, a new node joining before an old one drains.
  node_pool_cycling_details {
    is_node_cycling_enabled = true
    maximum_surge           = "1"
    maximum_unavailable     = "0"
  }

  lifecycle {
    precondition {
      condition     = local.node_image_id != null
      error_message = "OKE offers no Oracle Linux image for Kubernetes ${coalesce(local.kubernetes_version, var.kubernetes_version)} on ${var.node_shape} (${local.arm ? "aarch64" : "x86_64"}): set node_image_id."
    }
  }
}
