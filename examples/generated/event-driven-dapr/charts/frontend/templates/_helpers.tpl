{{/*
Named templates shared by every manifest of this chart. Templates that describe one
service take a context built with: dict "root" $ "name" $name "svc" $svc
*/}}

{{/* Chart name, overridable with nameOverride. */}}
{{- define "chart.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the chart name. */}}
{{- define "chart.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Value of the helm.sh/chart label. */}}
{{- define "chart.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of one service's resources: the fullname, suffixed with the service name unless
the service is named after the chart. */}}
{{- define "chart.serviceFullname" -}}
{{- $full := include "chart.fullname" .root }}
{{- if eq .name .root.Chart.Name }}
{{- $full }}
{{- else }}
{{- printf "%s-%s" $full .name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Standard labels of one service's resources. */}}
{{- define "chart.labels" -}}
helm.sh/chart: {{ include "chart.chart" .root }}
{{ include "chart.selectorLabels" . }}
app.kubernetes.io/version: {{ .svc.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: {{ include "chart.name" .root }}
{{- end }}

{{/* Selector labels of one service (immutable once installed). */}}
{{- define "chart.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chart.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* Labels of chart-wide resources (service account). */}}
{{- define "chart.commonLabels" -}}
helm.sh/chart: {{ include "chart.chart" . }}
app.kubernetes.io/name: {{ include "chart.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Service account the pods run as. */}}
{{- define "chart.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chart.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The pod template of one service's Deployment, or of its CronJob's Jobs when the context's "job" is true (its pods
run to completion, are never restarted in place and spread nowhere). */}}
{{- define "chart.podTemplate" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $svc := .svc }}
{{- $ctx := . -}}
metadata:
  annotations:
    checksum/config: {{ toJson $svc.config | sha256sum }}
    {{- if $root.Values.dapr.enabled }}
    dapr.io/enabled: "true"
    dapr.io/app-id: {{ $name | quote }}
    {{- with $svc.containerPort }}
    dapr.io/app-port: {{ . | quote }}
    {{- end }}
    dapr.io/log-level: {{ $root.Values.dapr.logLevel | quote }}
    dapr.io/enable-metrics: "true"
    dapr.io/sidecar-seccomp-profile-type: RuntimeDefault
    # the pod mounts no Kubernetes API token: the sidecar loads no secret store of its own (the operator hands it
    # the Components' secrets)
    dapr.io/disable-builtin-k8s-secret-store: "true"
    {{- with $root.Values.dapr.config }}
    dapr.io/config: {{ . | quote }}
    {{- end }}
    {{- end }}
    {{- with $svc.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "chart.labels" $ctx | nindent 4 }}
spec:
  {{- if .job }}
  restartPolicy: Never  # a failed run is a new pod (the Job's backoffLimit), never a restart in place
  {{- end }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  serviceAccountName: {{ include "chart.serviceAccountName" $root }}
  automountServiceAccountToken: {{ $root.Values.serviceAccount.automount }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ $name }}
      image: "{{ $svc.image.repository }}{{ with $svc.image.digest }}@{{ . }}{{ else }}:{{ $svc.image.tag | default $root.Chart.AppVersion }}{{ end }}"
      imagePullPolicy: {{ $svc.image.pullPolicy }}
      {{- if $svc.containerPort }}
      ports:
        - name: http
          containerPort: {{ $svc.containerPort }}
          protocol: TCP
      {{- end }}
      envFrom:
        - configMapRef:
            name: {{ include "chart.serviceFullname" $ctx }}
        {{- with ($root.Values.secretEnv).existingSecret }}
        # the services' secret variables, from an existing Secret, never from values
        - secretRef:
            name: {{ . }}
        {{- end }}
      {{- if and (hasKey $root.Values "database") (hasKey $root.Values.database "inCluster") }}
      {{- $db := $root.Values.database.inCluster }}
      env:
        # The in-cluster database's credentials from an existing Secret, never from values; Kubernetes expands
        # $(DATABASE_USERNAME) and $(DATABASE_PASSWORD) into the connection string.
        - name: DATABASE_USERNAME
          valueFrom:
            secretKeyRef:
              name: {{ required "database.existingSecret is required: name an existing Secret with the database's username and password (see README)" $root.Values.database.existingSecret }}
              key: username
        - name: DATABASE_PASSWORD
          valueFrom:
            secretKeyRef:
              name: {{ $root.Values.database.existingSecret }}
              key: password
        - name: {{ $root.Values.database.envVar }}
          value: "postgresql://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@{{ $db.host }}:{{ $db.port }}/{{ $db.database }}"
      {{- else if hasKey $root.Values "database" }}
      env:
        # The connection string is read from an existing Secret, never from values.
        - name: {{ $root.Values.database.envVar }}
          valueFrom:
            secretKeyRef:
              name: {{ required "database.existingSecret is required: name an existing Secret that holds the database connection string (see README)" $root.Values.database.existingSecret }}
              key: {{ $root.Values.database.secretKey }}
      {{- end }}
      {{- if $svc.containerPort }}
      startupProbe:
        httpGet:
          path: {{ $svc.healthPath }}
          port: http
        periodSeconds: 5
        failureThreshold: 30
      readinessProbe:
        httpGet:
          path: {{ $svc.readinessPath | default $svc.healthPath }}
          port: http
        periodSeconds: 10
        timeoutSeconds: 2
      livenessProbe:
        httpGet:
          path: {{ $svc.healthPath }}
          port: http
        periodSeconds: 20
        timeoutSeconds: 2
      {{- end }}
      resources:
        {{- toYaml $svc.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if $svc.persistence.enabled }}
        - name: data
          mountPath: {{ $svc.persistence.mountPath }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- if $svc.persistence.enabled }}
    - name: data
      persistentVolumeClaim:
        claimName: {{ include "chart.serviceFullname" $ctx }}
    {{- end }}
  {{- if not .job }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "chart.selectorLabels" $ctx | nindent 10 }}
  {{- end }}
  {{- with $svc.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $svc.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
